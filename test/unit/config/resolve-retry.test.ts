import { describe, expect, it } from 'vitest'
import { RETRY_DEFAULTS, resolveRetryOptions } from '../../../src/config/index.js'
import { DsqlConfigError } from '../../../src/errors/index.js'

describe('resolveRetryOptions', () => {
  it('returns the defaults when nothing is given', () => {
    expect(resolveRetryOptions(undefined)).toBe(RETRY_DEFAULTS)
  })

  it('layers call options over pool options over defaults', () => {
    const pool = resolveRetryOptions({ maxAttempts: 5, baseDelayMs: 2 })
    const call = resolveRetryOptions({ baseDelayMs: 7, readOnly: true }, pool, 'transaction options')
    expect(call).toMatchObject({
      maxAttempts: 5,
      baseDelayMs: 7,
      maxDelayMs: 1000,
      readOnly: true,
      autocommit: true,
    })
    expect(Object.isFrozen(call)).toBe(true)
  })

  it('accepts AWS connector names: maxRetries counts retries, jitterFactor is ignored', () => {
    expect(resolveRetryOptions({ maxRetries: 3, jitterFactor: 0.25 }).maxAttempts).toBe(4)
  })

  it('turns retries off with false', () => {
    expect(resolveRetryOptions(false)).toMatchObject({ maxAttempts: 1, autocommit: false })
  })

  it.each([
    [{ maxAttempts: 0 }, 'retry.maxAttempts', /1 to 1000/],
    [{ maxRetries: -1 }, 'retry.maxRetries', /1 to 1000/],
    [{ baseDelayMs: -5 }, 'retry.baseDelayMs', /non-negative/],
    [{ baseDelayMs: 50, maxDelayMs: 10 }, 'retry.maxDelayMs', /at least baseDelayMs \(50\)/],
    [{ deadlineMs: 400_000 }, 'retry.deadlineMs', /300000/],
    [{ onRetry: 'log' }, 'retry.onRetry', /a function/],
    [{ signal: {} }, 'retry.signal', /AbortSignal/],
    [{ idempotent: 'yes' }, 'retry.idempotent', /true or false/],
  ])('rejects %j and names %s', (options, option, message) => {
    const run = () => resolveRetryOptions(options as never)
    expect(run).toThrow(DsqlConfigError)
    expect(run).toThrow(message)
    try {
      run()
    } catch (error) {
      expect((error as DsqlConfigError).option).toBe(option)
    }
  })
})
