import { describe, expect, it } from 'vitest'
import { resolveRetryOptions } from '../../../src/config/index.js'
import { classifyError, TransactionOutcomeUnknownError } from '../../../src/index.js'
import { type DsqlEvent, EventSink } from '../../../src/observability/index.js'
import {
  CommitMarkers,
  type RetryTarget,
  runStatement,
  type SentState,
  type TransactionClient,
} from '../../../src/retry/index.js'

const conflict = () =>
  Object.assign(new Error('change conflicts with another transaction (OC000)'), { code: '40001' })
const lost = () => new Error('Connection terminated unexpectedly')
const unavailable = () => Object.assign(new Error('server unavailable'), { code: 'XX000' })
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
const unique = () => Object.assign(new Error('duplicate key'), { code: '23505' })

type Answer = { error: Error; state: SentState; autocommit?: boolean } | 'ok'

/** A target that answers each send from a script and records what was sent. */
function scripted(answers: Answer[], { canReconnect = true, autocommit = true } = {}) {
  const events: DsqlEvent[] = []
  const sent: unknown[] = []
  const target: RetryTarget<TransactionClient> = {
    canReconnect,
    retry: resolveRetryOptions({ baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 5, autocommit }),
    events: new EventSink((event) => events.push(event)),
    markers: new CommitMarkers(),
    acquire: () => Promise.reject(new Error('not used')),
    send: (text, _values, done) => {
      sent.push(text)
      const answer = answers.shift() ?? 'ok'
      queueMicrotask(() =>
        answer === 'ok'
          ? done(undefined, { rows: [] }, 'idle', true)
          : done(answer.error, undefined, answer.state, answer.autocommit ?? true),
      )
    },
  }
  const run = (text: string) =>
    new Promise<{ error: unknown; sends: number }>((resolve) =>
      runStatement(target, text, undefined, (error) => resolve({ error, sends: sent.length })),
    )
  return { run, events }
}

describe('runStatement', () => {
  it.each([
    {
      name: 'a conflict in its own implicit transaction',
      error: conflict(),
      state: 'idle',
      sql: 'UPDATE t SET v = 1',
      options: {},
      sends: 2,
    },
    {
      name: 'a read whose pooled connection died',
      error: lost(),
      state: 'busy',
      sql: 'SELECT 1',
      options: {},
      sends: 2,
    },
    {
      name: 'a read answered "server unavailable" on a lone client whose connection lives',
      error: unavailable(),
      state: 'busy',
      sql: 'SELECT 1',
      options: { canReconnect: false },
      sends: 2,
    },
    {
      name: 'a read whose lone connection died (nothing to send on)',
      error: lost(),
      state: 'busy',
      sql: 'SELECT 1',
      options: { canReconnect: false },
      sends: 1,
    },
    {
      name: 'a conflict when autocommit retries are off',
      error: conflict(),
      state: 'idle',
      sql: 'UPDATE t SET v = 1',
      options: { autocommit: false },
      sends: 1,
    },
    {
      name: 'a write whose connection died (it may have applied)',
      error: lost(),
      state: 'busy',
      sql: 'UPDATE t SET v = 1',
      options: {},
      sends: 1,
    },
    {
      name: 'a conflict inside an open transaction',
      error: conflict(),
      state: 'busy',
      sql: 'UPDATE t SET v = 1',
      options: {},
      sends: 1,
    },
    {
      name: 'a constraint violation',
      error: unique(),
      state: 'idle',
      sql: 'INSERT INTO t VALUES (1)',
      options: {},
      sends: 1,
    },
    {
      name: 'a connect that failed after its own retries',
      error: refused(),
      state: 'unsent',
      sql: 'SELECT 1',
      options: {},
      sends: 1,
    },
  ] as const)('sends it $sends time(s) in all after $name', async ({ error, state, sql, options, sends }) => {
    const { run } = scripted([{ error, state }], options)
    const outcome = await run(sql)
    expect(outcome.sends).toBe(sends)
    expect(outcome.error === undefined).toBe(sends === 2)
  })

  it.each([
    ['an autocommit write whose answer was lost', lost(), 'UPDATE t SET v = 1', true, 'unknown'],
    [
      'an autocommit write answered "server unavailable"',
      unavailable(),
      'INSERT INTO t VALUES (1)',
      true,
      'unknown',
    ],
    // Inside a transaction, whoever sent the COMMIT decides (transaction() does, with its markers).
    ['a COMMIT whose answer was lost', lost(), 'COMMIT', false, 'as is'],
    [
      'a write inside an open transaction whose connection died',
      lost(),
      'UPDATE t SET v = 1',
      false,
      'as is',
    ],
    ['a read on a lone client whose connection died', lost(), 'SELECT 1', true, 'as is'],
  ] as const)('rejects %s: outcome %s', async (_name, error, sql, autocommit, expected) => {
    const { run } = scripted([{ error, state: 'busy', autocommit }], { canReconnect: false })
    const outcome = await run(sql)
    expect(outcome.sends).toBe(1)
    if (expected === 'unknown') {
      expect(outcome.error).toBeInstanceOf(TransactionOutcomeUnknownError)
      expect(outcome.error).toMatchObject({ code: '08007', cause: error })
      expect(classifyError(outcome.error)).toBe('outcome-unknown')
    } else {
      expect(outcome.error).toBe(error)
    }
  })

  it('gives up after maxAttempts and reports the last error, with retry events', async () => {
    const failures = Array.from({ length: 9 }, () => ({ error: conflict(), state: 'idle' as const }))
    const { run, events } = scripted(failures)
    const outcome = await run('UPDATE t SET v = v + 1')
    expect(outcome.sends).toBe(5)
    expect(outcome.error).toMatchObject({ code: '40001' })
    expect(events.filter((event) => event.type === 'retry')).toHaveLength(4)
    expect(events.at(-1)).toMatchObject({ type: 'retry.exhausted', attempts: 5, scope: 'autocommit' })
  })
})
