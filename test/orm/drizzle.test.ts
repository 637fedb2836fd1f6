import { DrizzleQueryError, eq, sql } from 'drizzle-orm'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import { integer, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  classifyError,
  type DsqlEvent,
  DsqlPool,
  isOccError,
  TransactionMisuseError,
  TransactionOutcomeUnknownError,
} from '../../src/index.js'
import { dsqlTransaction } from '../../src/orm/drizzle.js'
import { connectionsLost, ofType } from './support/orm-events.js'
import { type OrmHarness, ormHarness } from './support/orm-harness.js'

// The README's recipe: `drizzle({ client: new DsqlPool(options) })`, a table keyed by a uuid that
// DSQL generates (no serial), and Drizzle's own `db.transaction` wrapped in `dsqlTransaction`.

let h: OrmHarness
let pool: DsqlPool
let db: NodePgDatabase
let stock: ReturnType<typeof stockTable>

function stockTable(name: string) {
  return pgTable(name, {
    id: uuid('id').primaryKey().defaultRandom(),
    sku: text('sku').notNull(),
    qty: integer('qty').notNull(),
  })
}

beforeAll(async () => {
  h = await ormHarness()
  const name = h.table('drizzle_stock')
  await h.ddl(
    `CREATE TABLE ${name} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), sku text NOT NULL, qty integer NOT NULL)`,
  )
  stock = stockTable(name)
  pool = new DsqlPool(h.options({ max: 4 }))
  db = drizzle({ client: pool })
})

afterAll(async () => {
  await pool?.end()
  await h?.stop()
})

describe('Drizzle over DsqlPool', () => {
  it('creates, reads, updates and deletes rows through Drizzle with a DSQL-generated uuid key', async () => {
    const [created] = await db.insert(stock).values({ sku: 'crud-1', qty: 5 }).returning()
    expect(created?.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(await db.select().from(stock).where(eq(stock.id, created!.id))).toEqual([
      { id: created!.id, sku: 'crud-1', qty: 5 },
    ])

    await db
      .update(stock)
      .set({ qty: sql`${stock.qty} - 2` })
      .where(eq(stock.id, created!.id))
    expect(await db.select({ qty: stock.qty }).from(stock).where(eq(stock.id, created!.id))).toEqual([
      { qty: 3 },
    ])

    const deleted = await db.delete(stock).where(eq(stock.id, created!.id)).returning({ id: stock.id })
    expect(deleted).toEqual([{ id: created!.id }])
    expect(await db.select().from(stock).where(eq(stock.sku, 'crud-1'))).toEqual([])
  })

  it('commits a dsqlTransaction exactly once after two injected conflicts', async () => {
    const events: DsqlEvent[] = []
    const attempts: number[] = []
    h.conflictOnNextCommits(2)

    const id = await dsqlTransaction(
      db,
      async (tx, { attempt }) => {
        attempts.push(attempt)
        const [row] = await tx.insert(stock).values({ sku: 'tx-once', qty: 1 }).returning({ id: stock.id })
        await tx.update(stock).set({ qty: 2 }).where(eq(stock.id, row!.id))
        return row!.id
      },
      { onEvent: (event) => events.push(event), baseDelayMs: 1 },
    )

    expect(attempts).toEqual([1, 2, 3])
    expect(await db.select().from(stock).where(eq(stock.sku, 'tx-once'))).toEqual([
      { id, sku: 'tx-once', qty: 2 },
    ])
    expect(ofType(events, 'retry').map((event) => event.attempt)).toEqual([1, 2])
    expect(ofType(events, 'transaction')).toMatchObject([{ outcome: 'committed', attempts: 3 }])
  })

  it('passes Drizzle transaction config through on every attempt', async () => {
    await expect(
      dsqlTransaction(db, (tx) => tx.insert(stock).values({ sku: 'read-only', qty: 1 }), {
        config: { accessMode: 'read only' },
      }),
    ).rejects.toThrow(DrizzleQueryError)
    expect(await db.select().from(stock).where(eq(stock.sku, 'read-only'))).toEqual([])
  })

  it("recognises the DrizzleQueryError that Drizzle's own transaction throws on a conflict", async () => {
    h.conflictOnNextCommits(1)
    const error = await db
      .transaction(async (tx) => {
        await tx.insert(stock).values({ sku: 'tx-unwrapped', qty: 1 })
      })
      .then(
        () => undefined,
        (failure: unknown) => failure,
      )

    expect(error).toBeInstanceOf(DrizzleQueryError)
    expect((error as DrizzleQueryError).query).toBe('commit')
    expect(isOccError(error)).toBe(true)
    expect(classifyError(error)).toBe('occ-data')
    expect(await db.select().from(stock).where(eq(stock.sku, 'tx-unwrapped'))).toEqual([])
  })

  it("fails a nested tx.transaction() with DSQL's 0A000 and does not retry it", async () => {
    const events: DsqlEvent[] = []
    const error = await dsqlTransaction(
      db,
      async (tx) => {
        await tx.insert(stock).values({ sku: 'nested', qty: 1 })
        await tx.transaction(async (inner) => inner.insert(stock).values({ sku: 'nested-inner', qty: 1 }))
      },
      { onEvent: (event) => events.push(event) },
    ).then(
      () => undefined,
      (failure: unknown) => failure,
    )

    expect(error).toBeInstanceOf(DrizzleQueryError)
    expect((error as DrizzleQueryError).query).toBe('savepoint sp1')
    expect((error as DrizzleQueryError).cause).toMatchObject({ code: '0A000' })
    expect(classifyError(error)).toBe('permanent')
    expect(ofType(events, 'retry')).toEqual([])
    expect(await db.select().from(stock).where(eq(stock.sku, 'nested'))).toEqual([])
  })

  it('refuses a Drizzle transaction in place of the database with TransactionMisuseError', async () => {
    await expect(
      db.transaction((tx) => dsqlTransaction(tx, (inner) => inner.select().from(stock))),
    ).rejects.toThrow(TransactionMisuseError)
  })

  it('runs the transaction again when its connection drops inside the body: nothing was committed', async () => {
    // No 'error' listener of the app's: DsqlPool hears a checked-out connection that dies.
    const heard = h.events.length
    const local = new DsqlPool(h.options({ max: 2 }))
    const localDb = drizzle({ client: local })
    try {
      const attempts: number[] = []
      await dsqlTransaction(
        localDb,
        async (tx, { attempt }) => {
          attempts.push(attempt)
          await tx.insert(stock).values({ sku: 'dropped-in-body', qty: 1 })
          if (attempt === 1) h.emulator.inject({ kind: 'drop-connection' })
          await tx.select().from(stock)
        },
        { baseDelayMs: 1 },
      )
      expect(attempts).toEqual([1, 2])
      expect(await db.select().from(stock).where(eq(stock.sku, 'dropped-in-body'))).toHaveLength(1)
      expect(h.events.slice(heard).some((event) => event.type === 'connection.lost')).toBe(true)
    } finally {
      await local.end()
    }
  })

  it('reports a COMMIT whose answer was lost as outcome-unknown, and never runs it twice', async () => {
    const local = new DsqlPool(h.options({ max: 2 }))
    const localDb = drizzle({ client: local })
    try {
      const attempts: number[] = []
      h.emulator.inject({ kind: 'commit-ambiguous', reply: 'drop' })
      const error = await dsqlTransaction(localDb, async (tx, { attempt }) => {
        attempts.push(attempt)
        await tx.insert(stock).values({ sku: 'lost-commit', qty: 1 })
      }).then(
        () => undefined,
        (failure: unknown) => failure,
      )
      expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
      expect(classifyError((error as TransactionOutcomeUnknownError).cause)).toBe('transient')
      expect(attempts).toEqual([1])
      // It did commit: the emulator's ambiguous commit applied, then dropped the connection.
      expect(await db.select().from(stock).where(eq(stock.sku, 'lost-commit'))).toHaveLength(1)
    } finally {
      await local.end()
    }
  })

  it('signs at most one token per endpoint across 200 queries on several connections', async () => {
    const endpoints = h.emulator.env.DSQL_ENDPOINTS!.split(',').length
    const local = new DsqlPool(h.options({ max: 8 }))
    const heard = h.events.length
    try {
      const localDb = drizzle({ client: local })
      for (let batch = 0; batch < 20; batch++) {
        const rows = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            localDb.select({ n: sql<number>`${batch * 10 + i}::int` }).from(sql`(SELECT 1) AS one`),
          ),
        )
        expect(rows.map(([row]) => row!.n)).toEqual(Array.from({ length: 10 }, (_, i) => batch * 10 + i))
      }
      const window = h.events.slice(heard)
      expect(ofType(window, 'connect').length).toBeGreaterThan(1)
      expect(ofType(window, 'token.issued').length).toBeLessThanOrEqual(endpoints)
    } finally {
      await local.end()
    }
  })

  it("keeps working through Drizzle after DSQL's connection-age cap closes every session", async () => {
    await Promise.all(Array.from({ length: 4 }, () => db.select().from(stock)))
    const idle = pool.idleCount
    expect(idle).toBeGreaterThan(1)
    const heard = h.events.length
    const lost = connectionsLost(idle)
    h.expireConnections()
    await lost

    const [row] = await db.insert(stock).values({ sku: 'after-expiry', qty: 7 }).returning()
    const id = await dsqlTransaction(db, async (tx) => {
      await tx.update(stock).set({ qty: 8 }).where(eq(stock.id, row!.id))
      return row!.id
    })
    const reads = await Promise.all(
      Array.from({ length: 4 }, () => db.select({ qty: stock.qty }).from(stock).where(eq(stock.id, id))),
    )

    expect(reads).toEqual(Array.from({ length: 4 }, () => [{ qty: 8 }]))
    expect(ofType(h.events.slice(heard), 'connection.lost')).toHaveLength(idle)
    expect(ofType(h.events.slice(heard), 'connect').length).toBeGreaterThan(0)
  })
})
