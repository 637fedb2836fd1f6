import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DsqlEvent,
  DsqlPool,
  isOccError,
  OccRetryExhaustedError,
  TransactionMisuseError,
  TransactionOutcomeUnknownError,
  transaction,
} from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

describe('transactions through the emulator', () => {
  let emulator: Emulator
  let pool: DsqlPool
  const events: DsqlEvent[] = []
  const table = `tx_${process.pid}`

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
    pool = new DsqlPool(
      optionsFor(emulator, {
        max: 4,
        retry: { baseDelayMs: 1, maxDelayMs: 5 },
        onEvent: (event) => events.push(event),
      }),
    )
    await pool.query(`CREATE TABLE ${table} (id text PRIMARY KEY, qty int NOT NULL)`)
  })

  afterAll(async () => {
    await pool?.end()
    await emulator?.stop()
  })

  const eventsSince = (mark: number) => events.slice(mark)

  it('retries injected conflicts at COMMIT with exactly one attempt each', async () => {
    const mark = events.length
    emulator.inject({ kind: 'occ', count: 2 })
    let runs = 0
    const result = await pool.transaction(async (client) => {
      runs++
      await client.query(
        `INSERT INTO ${table} (id, qty) VALUES ('occ', 1) ON CONFLICT (id) DO UPDATE SET qty = ${table}.qty + 1`,
      )
      return 'done'
    })
    expect(result).toBe('done')
    expect(runs).toBe(3)
    expect(eventsSince(mark).filter((e) => e.type === 'occ.conflict')).toHaveLength(2)
    expect(eventsSince(mark).find((e) => e.type === 'transaction')).toMatchObject({
      outcome: 'committed',
      attempts: 3,
    })
    const { rows } = await pool.query(`SELECT qty FROM ${table} WHERE id = 'occ'`)
    expect(rows).toEqual([{ qty: 1 }])
  })

  it('gives up with OccRetryExhaustedError after maxAttempts', async () => {
    emulator.inject({ kind: 'occ', count: 3 })
    const error = await pool
      .transaction((client) => client.query(`INSERT INTO ${table} VALUES ('never', 1)`), { maxAttempts: 3 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OccRetryExhaustedError)
    expect(error).toMatchObject({ attempts: 3, code: '40001' })
    expect(isOccError((error as Error).cause)).toBe(true)
    expect((await pool.query(`SELECT 1 FROM ${table} WHERE id = 'never'`)).rowCount).toBe(0)
  })

  it('does not retry a unique violation', async () => {
    await pool.query(`INSERT INTO ${table} VALUES ('dup', 1)`)
    let runs = 0
    await expect(
      pool.transaction(async (client) => {
        runs++
        await client.query(`INSERT INTO ${table} VALUES ('dup', 2)`)
      }),
    ).rejects.toMatchObject({ code: '23505' })
    expect(runs).toBe(1)
  })

  it('retries an ORM-style wrapped conflict whose cause is the 40001', async () => {
    let runs = 0
    await pool.transaction(async (client) => {
      runs++
      if (runs === 1) emulator.inject({ kind: 'schema', count: 1 })
      try {
        await client.query(`SELECT qty FROM ${table} WHERE id = 'occ'`)
      } catch (error) {
        throw new Error('Failed query: select qty …', { cause: error })
      }
    })
    expect(runs).toBe(2)
  })

  it('stops when onConflict aborts, for a business rule', async () => {
    emulator.inject({ kind: 'occ', count: 5 })
    let runs = 0
    await expect(
      pool.transaction(
        async (client) => {
          runs++
          await client.query(`UPDATE ${table} SET qty = qty - 1 WHERE id = 'occ'`)
        },
        { onConflict: () => 'abort' },
      ),
    ).rejects.toMatchObject({ code: '40001' })
    expect(runs).toBe(1)
    emulator.clearFaults?.()
  })

  it('stops at the deadline and when the signal aborts', async () => {
    emulator.inject({ kind: 'occ', probability: 1 })
    try {
      const controller = new AbortController()
      const aborted = pool.transaction(
        (client) => client.query(`UPDATE ${table} SET qty = 0 WHERE id = 'occ'`),
        {
          signal: controller.signal,
          baseDelayMs: 50,
          maxDelayMs: 50,
          maxAttempts: 100,
          onRetry: ({ attempt }) => {
            if (attempt === 2) controller.abort(new Error('shutdown'))
          },
        },
      )
      await expect(aborted).rejects.toThrow('shutdown')
      const waits: { elapsedMs: number; delayMs: number }[] = []
      const deadline = await pool
        .transaction((client) => client.query(`UPDATE ${table} SET qty = 0 WHERE id = 'occ'`), {
          deadlineMs: 200,
          baseDelayMs: 20,
          maxDelayMs: 20,
          maxAttempts: 1000,
          onRetry: ({ elapsedMs, delayMs }) => waits.push({ elapsedMs, delayMs }),
        })
        .catch((caught: unknown) => caught)
      expect(deadline).toBeInstanceOf(OccRetryExhaustedError)
      // The budget, not the attempt count, ended it: no retry was scheduled to start past 200 ms.
      expect((deadline as OccRetryExhaustedError).attempts).toBeLessThan(1000)
      expect(waits.length).toBeGreaterThan(0)
      for (const wait of waits) expect(wait.elapsedMs + wait.delayMs).toBeLessThanOrEqual(200)
    } finally {
      emulator.clearFaults?.()
    }
  })

  it('reports an ambiguous commit as outcome unknown, and the data shows it committed', async () => {
    emulator.inject({ kind: 'commit-ambiguous', count: 1 })
    let runs = 0
    const error = await pool
      .transaction(async (client) => {
        runs++
        await client.query(`INSERT INTO ${table} VALUES ('ambiguous', 1)`)
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
    expect(error).toMatchObject({ code: '08007' })
    expect(runs).toBe(1)
    expect((await pool.query(`SELECT qty FROM ${table} WHERE id = 'ambiguous'`)).rows).toEqual([{ qty: 1 }])
  })

  it.each(['error', 'drop'] as const)(
    'commits exactly once with exactlyOnce when the commit answer is lost (%s)',
    async (reply) => {
      const id = `once-${reply}`
      let runs = 0
      const result = await pool.transaction(
        async (client) => {
          runs++
          // Armed inside the callback, so it hits this transaction's COMMIT and nothing before it
          // (the marker table's one-time creation, for one).
          if (runs === 1) emulator.inject({ kind: 'commit-ambiguous', count: 1, reply })
          await client.query(`INSERT INTO ${table} VALUES ($1, 1)`, [id])
          return 'placed'
        },
        { exactlyOnce: true },
      )
      expect(result).toBe('placed')
      expect(runs).toBe(1)
      expect((await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id])).rows).toEqual([
        { n: 1 },
      ])
    },
  )

  it('retries a failure before COMMIT on a fresh connection', async () => {
    let runs = 0
    await pool.transaction(async (client) => {
      runs++
      if (runs === 1) emulator.inject({ kind: 'drop-connection', count: 1 })
      await client.query(`INSERT INTO ${table} VALUES ('dropped', 1) ON CONFLICT (id) DO NOTHING`)
    })
    expect(runs).toBe(2)
    expect((await pool.query(`SELECT qty FROM ${table} WHERE id = 'dropped'`)).rows).toEqual([{ qty: 1 }])
  })

  it('refuses a transaction inside another one and two at once on one client', async () => {
    await expect(pool.transaction(() => pool.transaction(async () => 1))).rejects.toBeInstanceOf(
      TransactionMisuseError,
    )
    const client = await pool.connect()
    try {
      const first = transaction(client, (c) => c.query('SELECT pg_sleep(0.05)'))
      await expect(transaction(client, async () => 1)).rejects.toBeInstanceOf(TransactionMisuseError)
      await first
      await client.query('BEGIN')
      await expect(client.transaction(async () => 1)).rejects.toBeInstanceOf(TransactionMisuseError)
      await client.query('ROLLBACK')
    } finally {
      client.release()
    }
  })

  it('runs BEGIN READ ONLY with readOnly', async () => {
    await expect(
      pool.transaction((client) => client.query(`INSERT INTO ${table} VALUES ('ro', 1)`), { readOnly: true }),
    ).rejects.toMatchObject({ code: '25006' })
  })

  it('retries an autocommit statement that lost a conflict, and not inside BEGIN', async () => {
    const mark = events.length
    emulator.inject({ kind: 'occ', count: 1 })
    await pool.query(`INSERT INTO ${table} VALUES ('auto', 1)`)
    expect(eventsSince(mark).filter((e) => e.type === 'retry' && e.scope === 'autocommit')).toHaveLength(1)
    expect((await pool.query(`SELECT qty FROM ${table} WHERE id = 'auto'`)).rows).toEqual([{ qty: 1 }])

    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      emulator.inject({ kind: 'schema', count: 1 })
      await expect(client.query(`SELECT 1 FROM ${table}`)).rejects.toMatchObject({ code: '40001' })
      await client.query('ROLLBACK')
    } finally {
      client.release()
    }
  })

  // Issue 12 #6, found by the chaos suite: pg hands a new connection over from inside its connect
  // callback, before it records the connection's first transaction status, so the first statement
  // of every new connection was taken for one inside a transaction and its lost answer for a
  // transient error, which an app would retry and apply twice.
  it.each(['error', 'drop'] as const)(
    'reports an autocommit write whose answer was lost (%s) as outcome unknown, on a new connection too',
    async (reply) => {
      for (const fresh of [true, false]) {
        const id = `lost-${reply}-${fresh ? 'new' : 'used'}`
        const single = new DsqlPool(optionsFor(emulator, { max: 1 }))
        try {
          if (!fresh) await single.query('SELECT 1')
          emulator.inject({ kind: 'commit-ambiguous', count: 1, reply })
          const error = await single
            .query(`INSERT INTO ${table} VALUES ($1, 1)`, [id])
            .catch((e: unknown) => e)
          expect(error, fresh ? 'first statement of a new connection' : 'on a used one').toBeInstanceOf(
            TransactionOutcomeUnknownError,
          )
          expect(error).toMatchObject({ code: '08007' })
          expect(
            (await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id])).rows,
          ).toEqual([{ n: 1 }])
        } finally {
          await single.end()
        }
      }
    },
  )

  it('leaves autocommit retries off with retry.autocommit false', async () => {
    const strict = new DsqlPool(optionsFor(emulator, { retry: { autocommit: false } }))
    try {
      emulator.inject({ kind: 'occ', count: 1 })
      await expect(strict.query(`INSERT INTO ${table} VALUES ('strict', 1)`)).rejects.toMatchObject({
        code: '40001',
      })
    } finally {
      await strict.end()
    }
  })
})
