import { describe, expect, it } from 'vitest'
import { resolveRetryOptions } from '../../../src/config/index.js'
import { DsqlAuthError } from '../../../src/errors/index.js'
import { type DsqlEvent, EventSink } from '../../../src/observability/index.js'
import { connectWithRetry, nextConnectAttempt } from '../../../src/retry/index.js'

const refusedToken = () =>
  new DsqlAuthError('DSQL refused the IAM token', { endpoint: 'x', hint: undefined, cause: undefined })
const unreachable = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
const syntax = () => Object.assign(new Error('syntax error'), { code: '42601' })
const retry = resolveRetryOptions({ baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 4 })
const quiet = new EventSink()

describe('nextConnectAttempt', () => {
  it('signs afresh once, at once, when the token was refused', () => {
    const first = nextConnectAttempt(
      refusedToken(),
      { attempt: 1, startedAt: 0, signedAfresh: false },
      retry,
      quiet,
    )
    expect(first).toEqual({ delayMs: 0, next: { attempt: 1, startedAt: 0, signedAfresh: true } })
    expect(nextConnectAttempt(refusedToken(), first!.next, retry, quiet)).toBeUndefined()
  })

  it('tries an unreachable endpoint again within the budget, then stops', () => {
    const now = () => 1000
    const after = nextConnectAttempt(
      unreachable(),
      { attempt: 1, startedAt: 0, signedAfresh: false },
      retry,
      quiet,
      now,
    )
    expect(after?.next).toEqual({ attempt: 2, startedAt: 1000, signedAfresh: false })
    expect(
      nextConnectAttempt(
        unreachable(),
        { attempt: 4, startedAt: 1000, signedAfresh: false },
        retry,
        quiet,
        now,
      ),
    ).toBeUndefined()
  })

  it('gives up on what a retry cannot fix', () => {
    expect(
      nextConnectAttempt(syntax(), { attempt: 1, startedAt: 0, signedAfresh: false }, retry, quiet),
    ).toBeUndefined()
  })
})

describe('connectWithRetry', () => {
  /** Runs the loop over scripted checkout failures; resolves with the outcome and the checkouts made. */
  function run(failures: Error[]) {
    const events: DsqlEvent[] = []
    let checkouts = 0
    return new Promise<{ error: unknown; client: unknown; checkouts: number; events: DsqlEvent[] }>(
      (resolve) => {
        connectWithRetry<string>(
          (callback) => {
            checkouts++
            const failure = failures.shift()
            setImmediate(() => (failure === undefined ? callback(undefined, 'client') : callback(failure)))
          },
          retry,
          new EventSink((event) => events.push(event)),
          (error, client) => resolve({ error, client, checkouts, events }),
        )
      },
    )
  }

  it('keeps its "signed afresh" mark across other failures: a second refusal ends the loop', async () => {
    const outcome = await run([refusedToken(), unreachable(), refusedToken(), unreachable()])
    expect(outcome.checkouts).toBe(3)
    expect(outcome.error).toBeInstanceOf(DsqlAuthError)
  })

  it('hands over the connection once a checkout works', async () => {
    const outcome = await run([unreachable(), refusedToken()])
    expect(outcome).toMatchObject({ error: undefined, client: 'client', checkouts: 3 })
    expect(outcome.events.filter((event) => event.type === 'retry')).toHaveLength(1)
  })
})
