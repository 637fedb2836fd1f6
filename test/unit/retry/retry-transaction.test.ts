import { describe, expect, it } from 'vitest'
import {
  DsqlConfigError,
  type DsqlEvent,
  isOccError,
  OccRetryExhaustedError,
  retryTransaction,
  TransactionOutcomeUnknownError,
} from '../../../src/index.js'

const conflict = () =>
  Object.assign(new Error('change conflicts with another transaction, please retry: (OC000)'), {
    code: '40001',
  })
/** An ORM's wrapper, the Sequelize way: the pg error on `.parent` and `.original`. */
const wrapped = (error: Error) =>
  Object.assign(new Error('SequelizeDatabaseError'), { parent: error, original: error })
const lost = () => new Error('Connection terminated unexpectedly')
const unique = () => Object.assign(new Error('duplicate key value'), { code: '23505' })
const fast = { baseDelayMs: 0, maxDelayMs: 0 }

/** A transaction that fails with `failures` in turn, then returns its attempt number. */
function scripted(failures: Error[]) {
  const attempts: number[] = []
  const fn = async ({ attempt }: { attempt: number }) => {
    attempts.push(attempt)
    const failure = failures.shift()
    if (failure !== undefined) throw failure
    return `committed on ${attempt}`
  }
  return { fn, attempts }
}

describe('retryTransaction', () => {
  it('runs the whole callback again after conflicts, read through an ORM wrapper, and returns its value', async () => {
    const events: DsqlEvent[] = []
    const { fn, attempts } = scripted([conflict(), wrapped(conflict())])
    await expect(retryTransaction(fn, { ...fast, onEvent: (event) => events.push(event) })).resolves.toBe(
      'committed on 3',
    )
    expect(attempts).toEqual([1, 2, 3])
    expect(events.map((event) => event.type)).toEqual([
      'occ.conflict',
      'retry',
      'occ.conflict',
      'retry',
      'transaction',
    ])
    expect(events.at(-1)).toMatchObject({ type: 'transaction', outcome: 'committed', attempts: 3 })
  })

  it('reports a failure that may have hit the COMMIT as an unknown outcome, and never runs it twice', async () => {
    const { fn, attempts } = scripted([lost()])
    const error = await retryTransaction(fn, fast).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(attempts).toEqual([1])
  })

  it('runs it again after a connection lost inside the body, once fn said where it stood', async () => {
    let runs = 0
    const value = await retryTransaction(async (attempt) => {
      runs++
      attempt.began()
      if (runs === 1) throw lost()
      attempt.committing()
      return runs
    }, fast)
    expect(value).toBe(2)
  })

  it('calls a connection lost after committing() an unknown outcome, and says COMMIT was sent', async () => {
    const error = await retryTransaction(async (attempt) => {
      attempt.began()
      attempt.committing()
      throw lost()
    }, fast).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
    expect((error as Error).message).toMatch(/after COMMIT was sent/)
  })

  it('says COMMIT may have been sent when fn said nothing of where it stood', async () => {
    const error = await retryTransaction(async () => {
      throw lost()
    }, fast).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(/COMMIT may already have been sent/)
  })

  it('runs it again after a lost connection when the work is idempotent', async () => {
    const { fn, attempts } = scripted([lost()])
    await expect(retryTransaction(fn, { ...fast, idempotent: true })).resolves.toBe('committed on 2')
    expect(attempts).toEqual([1, 2])
  })

  it('says the outcome is unknown when it gives up after a lost COMMIT it ran again as idempotent', async () => {
    // Run 1 may have committed; run 2 fails on its own terms and cannot tell.
    const { fn, attempts } = scripted([lost(), unique()])
    const error = await retryTransaction(fn, { ...fast, idempotent: true }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
    expect((error as Error).cause).toMatchObject({ code: '23505' })
    expect(attempts).toEqual([1, 2])
  })

  it('does not run again a transaction() whose own conflict retries ran out', async () => {
    // retryTransaction around pool.transaction(): the inner budget is not multiplied by the outer.
    const exhausted = new OccRetryExhaustedError('kept conflicting', {
      attempts: 10,
      elapsedMs: 900,
      cause: conflict(),
    })
    const events: DsqlEvent[] = []
    const { fn, attempts } = scripted([exhausted])
    await expect(retryTransaction(fn, { ...fast, onEvent: (event) => events.push(event) })).rejects.toBe(
      exhausted,
    )
    expect(attempts).toEqual([1])
    expect(events.filter((event) => event.type === 'occ.conflict')).toEqual([])
    expect(isOccError(exhausted)).toBe(true)
  })

  it('lets an error a retry cannot fix through untouched, after one run', async () => {
    const failure = unique()
    const { fn, attempts } = scripted([failure])
    await expect(retryTransaction(fn, fast)).rejects.toBe(failure)
    expect(attempts).toEqual([1])
  })

  it('gives up after maxAttempts with OccRetryExhaustedError around the last conflict', async () => {
    const { fn, attempts } = scripted([conflict(), conflict(), conflict()])
    const error = await retryTransaction(fn, { ...fast, maxAttempts: 2 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OccRetryExhaustedError)
    expect(error).toMatchObject({ attempts: 2, code: '40001' })
    expect(attempts).toEqual([1, 2])
  })

  it('stops when onConflict says abort, with the conflict itself', async () => {
    const failure = conflict()
    const { fn, attempts } = scripted([failure])
    await expect(retryTransaction(fn, { ...fast, onConflict: () => 'abort' })).rejects.toBe(failure)
    expect(attempts).toEqual([1])
  })

  it.each([
    [{ exactlyOnce: true }, 'retryTransaction options.exactlyOnce'],
    [{ readOnly: true }, 'retryTransaction options.readOnly'],
    [{ maxAttempt: 3 }, 'retryTransaction options.maxAttempt'],
    [{ autocommit: true }, 'retryTransaction options.autocommit'],
  ])('refuses %j and names %s', async (options, option) => {
    const error = await retryTransaction(async () => 1, options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DsqlConfigError)
    expect(error).toMatchObject({ option })
  })
})
