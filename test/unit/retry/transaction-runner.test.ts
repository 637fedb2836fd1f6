import { describe, expect, it } from 'vitest'
import { type ResolvedRetry, resolveRetryOptions } from '../../../src/config/index.js'
import {
  OccRetryExhaustedError,
  TransactionAbortedError,
  TransactionMisuseError,
  TransactionOutcomeUnknownError,
} from '../../../src/errors/index.js'
import { type DsqlEvent, EventSink } from '../../../src/observability/index.js'
import {
  CommitMarkers,
  runTransaction,
  type TransactionClient,
  type TransactionTarget,
} from '../../../src/retry/index.js'

const conflict = () =>
  Object.assign(new Error('change conflicts with another transaction (OC000)'), { code: '40001' })
const lost = () => new Error('Connection terminated unexpectedly')
const unavailable = () => Object.assign(new Error('server unavailable'), { code: 'XX000' })

type Reply = { command?: string; rows?: unknown[]; rowCount?: number } | Error

/**
 * A stand-in for a pg connection that answers each statement from a script: `script(sql,
 * attempt)` returns the reply, and the connection tracks its transaction status as pg does.
 */
class ScriptedClient implements TransactionClient {
  status = 'I'
  readonly log: string[] = []
  constructor(readonly script: (sql: string) => Reply | undefined) {}

  async query(text: string) {
    this.log.push(text)
    const reply = this.script(text)
    if (reply instanceof Error) {
      const connectionLost = reply.message === 'Connection terminated unexpectedly'
      this.status = connectionLost ? 'I' : text === 'COMMIT' ? 'I' : this.status === 'T' ? 'E' : 'I'
      throw reply
    }
    if (text.startsWith('BEGIN')) this.status = 'T'
    if (text === 'COMMIT' || text === 'ROLLBACK') this.status = 'I'
    return {
      command: reply?.command ?? text.split(' ')[0] ?? '',
      rowCount: reply?.rowCount ?? 0,
      rows: reply?.rows ?? [],
    }
  }

  getTransactionStatus() {
    return this.status
  }
}

function harness(
  script: (sql: string, attempt: number) => Reply | undefined,
  retry: Partial<ResolvedRetry> = {},
) {
  let attempt = 0
  const released: { destroyed: boolean }[] = []
  const clients: ScriptedClient[] = []
  const target: TransactionTarget<ScriptedClient> = {
    canReconnect: true,
    acquire: async () => {
      const client = new ScriptedClient((sql) => {
        if (sql.startsWith('BEGIN')) attempt++
        return script(sql, attempt)
      })
      clients.push(client)
      return { client, release: (destroyed) => released.push({ destroyed }) }
    },
  }
  const events: DsqlEvent[] = []
  const options = {
    retry: { ...resolveRetryOptions({ baseDelayMs: 0, maxDelayMs: 0 }), ...retry },
    events: new EventSink((event) => events.push(event)),
    markers: new CommitMarkers(),
  }
  return { target, options, events, released, clients, attempts: () => attempt }
}

describe('runTransaction', () => {
  it('retries conflicts at COMMIT and returns what fn returned', async () => {
    const h = harness((sql, attempt) => (sql === 'COMMIT' && attempt < 3 ? conflict() : undefined))
    const result = await runTransaction(
      h.target,
      async (client) => {
        await client.query('UPDATE stock SET qty = qty - 1')
        return 'order-1'
      },
      h.options,
    )
    expect(result).toBe('order-1')
    expect(h.attempts()).toBe(3)
    expect(h.events.filter((e) => e.type === 'occ.conflict')).toHaveLength(2)
    expect(h.events.filter((e) => e.type === 'retry')).toHaveLength(2)
    expect(h.events.at(-1)).toMatchObject({ type: 'transaction', outcome: 'committed', attempts: 3 })
    expect(h.released.every((r) => !r.destroyed)).toBe(true)
  })

  it('reports a connection lost after COMMIT was sent as outcome unknown and does not retry', async () => {
    const h = harness((sql) => (sql === 'COMMIT' ? lost() : undefined))
    const error = await runTransaction(h.target, async () => 'x', h.options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
    expect(error).toMatchObject({ code: '08007', attempts: 1 })
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(h.attempts()).toBe(1)
    expect(h.released).toEqual([{ destroyed: true }])
    expect(h.events.at(-1)).toMatchObject({ type: 'transaction', outcome: 'unknown' })
  })

  it('treats XX000 server unavailable at COMMIT as outcome unknown too', async () => {
    const h = harness((sql) => (sql === 'COMMIT' ? unavailable() : undefined))
    await expect(runTransaction(h.target, async () => 'x', h.options)).rejects.toBeInstanceOf(
      TransactionOutcomeUnknownError,
    )
  })

  it('retries a deadlock at COMMIT, which applied nothing', async () => {
    const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' })
    const h = harness((sql, attempt) => (sql === 'COMMIT' && attempt === 1 ? deadlock() : undefined))
    await expect(runTransaction(h.target, async () => 'x', h.options)).resolves.toBe('x')
    expect(h.attempts()).toBe(2)
  })

  it('does not retry an internal XX000 error, which is not DSQL server unavailable', async () => {
    const internal = Object.assign(new Error('internal error'), { code: 'XX000' })
    const h = harness((sql) => (sql.startsWith('UPDATE') ? internal : undefined))
    await expect(
      runTransaction(h.target, (client) => client.query('UPDATE t SET v = 1'), h.options),
    ).rejects.toBe(internal)
    expect(h.attempts()).toBe(1)
  })

  it('destroys the connection when the callback wraps a lost connection in its own error', async () => {
    const h = harness((sql, attempt) => (sql.startsWith('UPDATE') && attempt === 1 ? lost() : undefined))
    await runTransaction(
      h.target,
      (client) =>
        client.query('UPDATE t SET v = 1').catch((cause: unknown) => {
          throw new Error('ORM query failed', { cause })
        }),
      h.options,
    )
    expect(h.released).toEqual([{ destroyed: true }, { destroyed: false }])
  })

  it('retries an unknown COMMIT outcome when the work is idempotent', async () => {
    const h = harness((sql, attempt) => (sql === 'COMMIT' && attempt === 1 ? lost() : undefined), {
      idempotent: true,
    })
    await expect(runTransaction(h.target, async () => 'x', h.options)).resolves.toBe('x')
    expect(h.attempts()).toBe(2)
  })

  describe('after a COMMIT with no answer was retried as safe', () => {
    // Not a unique violation: with exactlyOnce, that one says the marker (so the commit) exists.
    const denied = () => Object.assign(new Error('permission denied for table t'), { code: '42501' })

    it('gives up with the outcome unknown, whatever the last attempt failed with', async () => {
      // Attempt 1 may have committed; attempt 2 fails on its own terms and settles nothing.
      const h = harness(
        (sql, attempt) =>
          sql === 'COMMIT' && attempt === 1
            ? lost()
            : sql.startsWith('INSERT') && attempt === 2
              ? denied()
              : undefined,
        { idempotent: true },
      )
      const error = await runTransaction(
        h.target,
        (c) => c.query('INSERT INTO t VALUES (1)'),
        h.options,
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
      expect((error as Error).cause).toMatchObject({ code: '42501' })
      expect(
        h.events.filter((e) => e.type === 'transaction').map((e) => (e as { outcome: string }).outcome),
      ).toEqual(['unknown'])
    })

    it('gives up with the outcome unknown when the last COMMIT too had no answer', async () => {
      const h = harness((sql) => (sql === 'COMMIT' ? lost() : undefined), {
        idempotent: true,
        maxAttempts: 2,
      })
      const error = await runTransaction(h.target, async () => 'x', h.options).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
      expect(h.attempts()).toBe(2)
    })

    it('gives up with the last error when an exactlyOnce marker said the COMMIT did not land', async () => {
      const h = harness(
        (sql, attempt) => {
          if (sql.startsWith('SELECT to_regclass')) return { rows: [{ present: true }] }
          if (sql.startsWith('SELECT 1 FROM pg_dsql_commit_markers')) return { rowCount: 0 }
          if (sql === 'COMMIT' && attempt === 1) return lost()
          return sql.startsWith('UPDATE') && attempt > 1 ? denied() : undefined
        },
        { exactlyOnce: true },
      )
      const error = await runTransaction(h.target, (c) => c.query('UPDATE t SET v = 1'), h.options).catch(
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ code: '42501' })
    })

    it('gives up with the outcome unknown when the exactlyOnce marker could not be read', async () => {
      const h = harness(
        (sql, attempt) => {
          if (sql.startsWith('SELECT to_regclass')) return { rows: [{ present: true }] }
          if (sql.startsWith('SELECT 1 FROM pg_dsql_commit_markers')) return lost()
          if (sql === 'COMMIT' && attempt === 1) return lost()
          return sql.startsWith('UPDATE') && attempt > 1 ? denied() : undefined
        },
        { exactlyOnce: true },
      )
      const error = await runTransaction(h.target, (c) => c.query('UPDATE t SET v = 1'), h.options).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
      expect((error as Error).cause).toMatchObject({ code: '42501' })
    })
  })

  it('retries a connection lost before COMMIT on a fresh connection, destroying the dead one', async () => {
    const h = harness((sql, attempt) => (sql.startsWith('UPDATE') && attempt === 1 ? lost() : undefined))
    await runTransaction(h.target, (client) => client.query('UPDATE t SET v = 1'), h.options)
    expect(h.clients).toHaveLength(2)
    expect(h.released).toEqual([{ destroyed: true }, { destroyed: false }])
  })

  it('rolls back and rethrows the callback own error without retrying', async () => {
    const h = harness(() => undefined)
    const failure = new Error('out of stock')
    await expect(runTransaction(h.target, async () => Promise.reject(failure), h.options)).rejects.toBe(
      failure,
    )
    expect(h.clients[0]?.log).toEqual(['BEGIN', 'ROLLBACK'])
    expect(h.events.at(-1)).toMatchObject({ type: 'transaction', outcome: 'rolled-back', attempts: 1 })
  })

  it('does not retry a unique violation', async () => {
    const duplicate = Object.assign(new Error('duplicate key'), { code: '23505' })
    const h = harness((sql) => (sql.startsWith('INSERT') ? duplicate : undefined))
    await expect(
      runTransaction(h.target, (c) => c.query('INSERT INTO t VALUES (1)'), h.options),
    ).rejects.toBe(duplicate)
    expect(h.attempts()).toBe(1)
  })

  it('stops when onConflict says abort, with the conflict error', async () => {
    const h = harness((sql) => (sql === 'COMMIT' ? conflict() : undefined), {
      onConflict: ({ kind, attempt }) => (kind === 'data' && attempt === 2 ? 'abort' : 'retry'),
    })
    await expect(runTransaction(h.target, async () => 1, h.options)).rejects.toMatchObject({ code: '40001' })
    expect(h.attempts()).toBe(2)
  })

  it('gives up after maxAttempts with OccRetryExhaustedError', async () => {
    const h = harness((sql) => (sql === 'COMMIT' ? conflict() : undefined), { maxAttempts: 3 })
    const error = await runTransaction(h.target, async () => 1, h.options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OccRetryExhaustedError)
    expect(error).toMatchObject({ code: '40001', attempts: 3 })
    expect(h.events.some((e) => e.type === 'retry.exhausted' && e.attempts === 3)).toBe(true)
  })

  it('gives up when the next wait would pass the deadline', async () => {
    let now = 0
    const h = harness(
      (sql) => {
        now += 400
        return sql === 'COMMIT' ? conflict() : undefined
      },
      { deadlineMs: 1000, maxAttempts: 100 },
    )
    const error = await runTransaction(h.target, async () => 1, { ...h.options, now: () => now }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(OccRetryExhaustedError)
    // Attempt 1 ends at 800 ms (two statements); attempt 2 at 1600 ms, past the 1000 ms budget.
    expect(error).toMatchObject({ attempts: 2, elapsedMs: 1600 })
  })

  it('asks shouldRetry and stops when it says no', async () => {
    const h = harness((sql) => (sql === 'COMMIT' ? conflict() : undefined), {
      shouldRetry: (_e, attempt) => attempt < 2,
    })
    await expect(runTransaction(h.target, async () => 1, h.options)).rejects.toMatchObject({ code: '40001' })
    expect(h.attempts()).toBe(2)
  })

  it('stops waiting when the signal aborts, with its reason', async () => {
    const controller = new AbortController()
    const h = harness((sql) => (sql === 'COMMIT' ? conflict() : undefined), {
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
      deadlineMs: 300_000,
      signal: controller.signal,
      onRetry: () => controller.abort(new Error('shutting down')),
    })
    await expect(runTransaction(h.target, async () => 1, { ...h.options, random: () => 1 })).rejects.toThrow(
      'shutting down',
    )
    expect(h.attempts()).toBe(1)
  })

  it('refuses a transaction() inside another one', async () => {
    const h = harness(() => undefined)
    const inner = await runTransaction(
      h.target,
      () => runTransaction(h.target, async () => 1, h.options),
      h.options,
    ).catch((e: unknown) => e)
    expect(inner).toBeInstanceOf(TransactionMisuseError)
  })

  it('refuses two transactions at once on one client', async () => {
    const client = new ScriptedClient(() => undefined)
    const target: TransactionTarget<ScriptedClient> = {
      canReconnect: false,
      acquire: async () => ({ client, release: () => {} }),
    }
    const h = harness(() => undefined)
    let release: () => void = () => {}
    const first = runTransaction(
      target,
      () =>
        new Promise<void>((resolve) => {
          release = resolve
        }),
      h.options,
    )
    await new Promise((resolve) => setImmediate(resolve))
    await expect(runTransaction(target, async () => 1, h.options)).rejects.toBeInstanceOf(
      TransactionMisuseError,
    )
    release()
    await expect(first).resolves.toBeUndefined()
  })

  it('reports COMMIT answering ROLLBACK as TransactionAbortedError', async () => {
    const h = harness((sql) => (sql === 'COMMIT' ? { command: 'ROLLBACK' } : undefined))
    await expect(runTransaction(h.target, async () => 1, h.options)).rejects.toBeInstanceOf(
      TransactionAbortedError,
    )
    expect(h.attempts()).toBe(1)
  })

  describe('exactlyOnce', () => {
    function markerScript(landed: boolean) {
      return (sql: string, attempt: number): Reply | undefined => {
        if (sql.startsWith('SELECT to_regclass')) return { rows: [{ present: true }] }
        if (sql.startsWith('SELECT 1 FROM pg_dsql_commit_markers')) return { rowCount: landed ? 1 : 0 }
        if (sql === 'COMMIT' && attempt === 1) return lost()
        return undefined
      }
    }

    it('returns success when the marker shows the unanswered COMMIT landed', async () => {
      const h = harness(markerScript(true), { exactlyOnce: true })
      await expect(runTransaction(h.target, async () => 'placed', h.options)).resolves.toBe('placed')
      expect(h.attempts()).toBe(1)
      const statements = h.clients.flatMap((c) => c.log)
      expect(statements.filter((sql) => sql.startsWith('INSERT INTO pg_dsql_commit_markers'))).toHaveLength(1)
      expect(statements.filter((sql) => sql.startsWith('SELECT 1 FROM pg_dsql_commit_markers'))).toHaveLength(
        1,
      )
    })

    it('retries with the same marker when the COMMIT did not land', async () => {
      const h = harness(markerScript(false), { exactlyOnce: true })
      await expect(runTransaction(h.target, async () => 'placed', h.options)).resolves.toBe('placed')
      expect(h.attempts()).toBe(2)
      const inserts = h.clients
        .flatMap((c) => c.log)
        .filter((sql) => sql.startsWith('INSERT INTO pg_dsql_commit_markers'))
      expect(inserts).toHaveLength(2)
    })

    it('reports success when a retry finds its marker already committed (a late first commit)', async () => {
      const duplicate = Object.assign(new Error('duplicate key'), { code: '23505' })
      const h = harness(
        (sql, attempt) => {
          if (sql.startsWith('SELECT to_regclass')) return { rows: [{ present: true }] }
          if (sql.startsWith('SELECT 1 FROM pg_dsql_commit_markers')) return { rowCount: 0 }
          if (sql === 'COMMIT' && attempt === 1) return lost()
          if (sql.startsWith('INSERT INTO pg_dsql_commit_markers') && attempt === 2) return duplicate
          return undefined
        },
        { exactlyOnce: true },
      )
      await expect(runTransaction(h.target, async () => 'placed', h.options)).resolves.toBe('placed')
      expect(h.attempts()).toBe(2)
    })
  })
})
