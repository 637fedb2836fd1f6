import { type Generated, Kysely, PostgresDialect, sql, type Transaction } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  classifyError,
  type DsqlEvent,
  DsqlPool,
  isOccError,
  TransactionMisuseError,
  TransactionOutcomeUnknownError,
} from '../../src/index.js'
import { dsqlTransaction } from '../../src/orm/kysely.js'
import { connectionsLost, ofType } from './support/orm-events.js'
import { type OrmHarness, ormHarness } from './support/orm-harness.js'

// The README's recipe: `new Kysely({ dialect: new PostgresDialect({ pool: new DsqlPool(options) }) })`,
// a table keyed by a uuid that DSQL generates (no serial), and Kysely's own
// `db.transaction().execute(fn)` wrapped in `dsqlTransaction`. Kysely 0.29 needs Node 22.

interface StockTable {
  id: Generated<string>
  sku: string
  qty: number
}
/** The table's name comes from the harness, so the database type is keyed by any string. */
type Database = Record<string, StockTable>

describe.runIf(Number(process.versions.node.split('.')[0]) >= 22)('Kysely over DsqlPool', () => {
  let h: OrmHarness
  let pool: DsqlPool
  let db: Kysely<Database>
  let stock: string

  beforeAll(async () => {
    h = await ormHarness()
    stock = h.table('kysely_stock')
    await h.ddl(
      `CREATE TABLE ${stock} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), sku text NOT NULL, qty integer NOT NULL)`,
    )
    pool = new DsqlPool(h.options({ max: 4 }))
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  })

  afterAll(async () => {
    await db?.destroy() // ends the pool: Kysely owns it
    await h?.stop()
  })

  const rowsWithSku = (sku: string) => db.selectFrom(stock).selectAll().where('sku', '=', sku).execute()

  it('creates, reads, updates and deletes rows through Kysely with a DSQL-generated uuid key', async () => {
    const created = await db
      .insertInto(stock)
      .values({ sku: 'crud-1', qty: 5 })
      .returningAll()
      .executeTakeFirstOrThrow()
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(await db.selectFrom(stock).selectAll().where('id', '=', created.id).execute()).toEqual([
      { id: created.id, sku: 'crud-1', qty: 5 },
    ])

    const updated = await db
      .updateTable(stock)
      .set((eb) => ({ qty: eb('qty', '-', 2) }))
      .where('id', '=', created.id)
      .executeTakeFirst()
    expect(updated.numUpdatedRows).toBe(1n)
    expect(await db.selectFrom(stock).select('qty').where('id', '=', created.id).execute()).toEqual([
      { qty: 3 },
    ])

    const deleted = await db.deleteFrom(stock).where('id', '=', created.id).returning('id').execute()
    expect(deleted).toEqual([{ id: created.id }])
    expect(await rowsWithSku('crud-1')).toEqual([])
  })

  it('commits a dsqlTransaction exactly once after two injected conflicts', async () => {
    const events: DsqlEvent[] = []
    const attempts: number[] = []
    h.conflictOnNextCommits(2)

    const id = await dsqlTransaction(
      db,
      async (trx, { attempt }) => {
        attempts.push(attempt)
        const row = await trx
          .insertInto(stock)
          .values({ sku: 'tx-once', qty: 1 })
          .returning('id')
          .executeTakeFirstOrThrow()
        await trx.updateTable(stock).set({ qty: 2 }).where('id', '=', row.id).execute()
        return row.id
      },
      { onEvent: (event) => events.push(event), baseDelayMs: 1 },
    )

    expect(attempts).toEqual([1, 2, 3])
    expect(await rowsWithSku('tx-once')).toEqual([{ id, sku: 'tx-once', qty: 2 }])
    expect(ofType(events, 'retry').map((event) => event.attempt)).toEqual([1, 2])
    expect(ofType(events, 'transaction')).toMatchObject([{ outcome: 'committed', attempts: 3 }])
  })

  it('runs every attempt with the settings of a transaction builder passed in place of db', async () => {
    const error = await dsqlTransaction(db.transaction().setAccessMode('read only'), (trx) =>
      trx.insertInto(stock).values({ sku: 'read-only', qty: 1 }).execute(),
    ).then(
      () => undefined,
      (failure: unknown) => failure,
    )

    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(classifyError(error)).toBe('permanent')
    expect(await rowsWithSku('read-only')).toEqual([])
  })

  it("recognises the pg DatabaseError that Kysely's own transaction throws on a conflict", async () => {
    h.conflictOnNextCommits(1)
    const error = await db
      .transaction()
      .execute((trx) => trx.insertInto(stock).values({ sku: 'tx-unwrapped', qty: 1 }).execute())
      .then(
        () => undefined,
        (failure: unknown) => failure,
      )

    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(error).toMatchObject({ code: '40001' })
    expect(isOccError(error)).toBe(true)
    expect(classifyError(error)).toBe('occ-data')
    expect(await rowsWithSku('tx-unwrapped')).toEqual([])
  })

  it('leaves a nested trx.transaction() to Kysely, which refuses it, and does not retry', async () => {
    const events: DsqlEvent[] = []
    await expect(
      dsqlTransaction(
        db,
        async (trx) => {
          await trx.insertInto(stock).values({ sku: 'nested', qty: 1 }).execute()
          // Kysely types trx.transaction() as never; plain JavaScript (or a cast) still reaches it.
          return (trx as unknown as Kysely<Database>).transaction().execute(async () => undefined)
        },
        { onEvent: (event) => events.push(event) },
      ),
    ).rejects.toThrow('calling the transaction method for a Transaction is not supported')
    expect(ofType(events, 'retry')).toEqual([])
    expect(await rowsWithSku('nested')).toEqual([])
  })

  it("fails a controlled transaction's savepoint with DSQL's 0A000", async () => {
    const trx = await db.startTransaction().execute()
    try {
      await trx.insertInto(stock).values({ sku: 'savepoint', qty: 1 }).execute()
      await expect(trx.savepoint('before_more').execute()).rejects.toMatchObject({ code: '0A000' })
    } finally {
      await trx.rollback().execute()
    }
    expect(await rowsWithSku('savepoint')).toEqual([])
  })

  it('refuses a Kysely transaction in place of the database with TransactionMisuseError', async () => {
    await expect(
      db
        .transaction()
        .execute((trx) =>
          dsqlTransaction(trx, (inner: Transaction<Database>) =>
            inner.selectFrom(stock).selectAll().execute(),
          ),
        ),
    ).rejects.toThrow(TransactionMisuseError)
  })

  it('runs the transaction again when its connection drops inside the body: nothing was committed', async () => {
    // No 'error' listener of the app's: DsqlPool hears a checked-out connection that dies.
    const heard = h.events.length
    const localPool = new DsqlPool(h.options({ max: 2 }))
    const localDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: localPool }) })
    try {
      const attempts: number[] = []
      await dsqlTransaction(
        localDb,
        async (trx, { attempt }) => {
          attempts.push(attempt)
          await trx.insertInto(stock).values({ sku: 'dropped-in-body', qty: 1 }).execute()
          if (attempt === 1) h.emulator.inject({ kind: 'drop-connection' })
          await trx.selectFrom(stock).selectAll().execute()
        },
        { baseDelayMs: 1 },
      )
      expect(attempts).toEqual([1, 2])
      expect(await rowsWithSku('dropped-in-body')).toHaveLength(1)
      expect(h.events.slice(heard).some((event) => event.type === 'connection.lost')).toBe(true)
    } finally {
      await localDb.destroy()
    }
  })

  it('reports a COMMIT whose answer was lost as outcome-unknown, and never runs it twice', async () => {
    const localPool = new DsqlPool(h.options({ max: 2 }))
    const localDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: localPool }) })
    try {
      const attempts: number[] = []
      h.emulator.inject({ kind: 'commit-ambiguous', reply: 'drop' })
      const error = await dsqlTransaction(localDb, async (trx, { attempt }) => {
        attempts.push(attempt)
        await trx.insertInto(stock).values({ sku: 'lost-commit', qty: 1 }).execute()
      }).then(
        () => undefined,
        (failure: unknown) => failure,
      )
      expect(error).toBeInstanceOf(TransactionOutcomeUnknownError)
      expect(classifyError((error as TransactionOutcomeUnknownError).cause)).toBe('transient')
      expect(attempts).toEqual([1])
      // It did commit: the emulator's ambiguous commit applied, then dropped the connection.
      expect(await rowsWithSku('lost-commit')).toHaveLength(1)
    } finally {
      await localDb.destroy()
    }
  })

  it('signs at most one token per endpoint across 200 queries on several connections', async () => {
    const endpoints = h.emulator.env.DSQL_ENDPOINTS!.split(',').length
    const heard = h.events.length
    const local = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new DsqlPool(h.options({ max: 8 })) }),
    })
    try {
      for (let batch = 0; batch < 20; batch++) {
        const rows = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            sql<{ n: number }>`SELECT ${batch * 10 + i}::int AS n`.execute(local),
          ),
        )
        expect(rows.map(({ rows: [row] }) => row!.n)).toEqual(
          Array.from({ length: 10 }, (_, i) => batch * 10 + i),
        )
      }
      const window = h.events.slice(heard)
      expect(ofType(window, 'connect').length).toBeGreaterThan(1)
      expect(ofType(window, 'token.issued').length).toBeLessThanOrEqual(endpoints)
    } finally {
      await local.destroy()
    }
  })

  it("keeps working through Kysely after DSQL's connection-age cap closes every session", async () => {
    await Promise.all(Array.from({ length: 4 }, () => db.selectFrom(stock).selectAll().execute()))
    const idle = pool.idleCount
    expect(idle).toBeGreaterThan(1)
    const heard = h.events.length
    const lost = connectionsLost(idle)
    h.expireConnections()
    await lost

    const row = await db
      .insertInto(stock)
      .values({ sku: 'after-expiry', qty: 7 })
      .returning('id')
      .executeTakeFirstOrThrow()
    await dsqlTransaction(db, (trx) =>
      trx.updateTable(stock).set({ qty: 8 }).where('id', '=', row.id).execute(),
    )
    const reads = await Promise.all(
      Array.from({ length: 4 }, () => db.selectFrom(stock).select('qty').where('id', '=', row.id).execute()),
    )

    expect(reads).toEqual(Array.from({ length: 4 }, () => [{ qty: 8 }]))
    expect(ofType(h.events.slice(heard), 'connection.lost')).toHaveLength(idle)
    expect(ofType(h.events.slice(heard), 'connect').length).toBeGreaterThan(0)
  })
})
