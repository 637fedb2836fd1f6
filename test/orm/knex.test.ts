import knexFactory, { type Knex } from 'knex'
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
import { dsqlTransaction } from '../../src/orm/knex.js'
import { connectionsLost, ofType } from './support/orm-events.js'
import { type OrmHarness, ormHarness } from './support/orm-harness.js'

// The README's recipe: `knex({ client: 'pg', connectionPool: new DsqlPool(options) })` (Knex 3.3),
// a table made by Knex's schema builder with a uuid key that DSQL generates (no serial), and
// Knex's own `knex.transaction(handler)` wrapped in `dsqlTransaction`.

interface StockRow {
  id: string
  sku: string
  qty: number
}

let h: OrmHarness
let pool: DsqlPool
let knex: Knex
let stock: string

const rowsWithSku = (sku: string) => knex<StockRow>(stock).where({ sku }).select()

beforeAll(async () => {
  h = await ormHarness()
  stock = h.table('knex_stock')
  pool = new DsqlPool(h.options({ max: 4 }))
  knex = knexFactory({ client: 'pg', connectionPool: pool })
  // One CREATE TABLE, in a transaction of its own (autocommit), as DSQL requires.
  await knex.schema.createTable(stock, (table) => {
    table.uuid('id').primary().defaultTo(knex.fn.uuid())
    table.text('sku').notNullable()
    table.integer('qty').notNullable()
  })
})

afterAll(async () => {
  await knex?.destroy() // Knex does not end a pool it was given
  await pool?.end()
  await h?.stop()
})

describe('Knex over DsqlPool', () => {
  it('creates, reads, updates and deletes rows through Knex with a DSQL-generated uuid key', async () => {
    const [created] = await knex<StockRow>(stock).insert({ sku: 'crud-1', qty: 5 }).returning('*')
    expect(created?.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(await knex<StockRow>(stock).where({ id: created!.id }).select()).toEqual([
      { id: created!.id, sku: 'crud-1', qty: 5 },
    ])

    expect(await knex<StockRow>(stock).where({ id: created!.id }).decrement('qty', 2)).toBe(1)
    expect(await knex<StockRow>(stock).where({ id: created!.id }).first('qty')).toEqual({ qty: 3 })

    expect(await knex<StockRow>(stock).where({ id: created!.id }).delete()).toBe(1)
    expect(await rowsWithSku('crud-1')).toEqual([])
  })

  it('commits a dsqlTransaction exactly once after two injected conflicts', async () => {
    const events: DsqlEvent[] = []
    const attempts: number[] = []
    h.conflictOnNextCommits(2)

    const id = await dsqlTransaction(
      knex,
      async (trx, { attempt }) => {
        attempts.push(attempt)
        const [row] = await trx<StockRow>(stock).insert({ sku: 'tx-once', qty: 1 }).returning('id')
        await trx<StockRow>(stock).where({ id: row!.id }).update({ qty: 2 })
        return row!.id
      },
      { onEvent: (event) => events.push(event), baseDelayMs: 1 },
    )

    expect(attempts).toEqual([1, 2, 3])
    expect(await rowsWithSku('tx-once')).toEqual([{ id, sku: 'tx-once', qty: 2 }])
    expect(ofType(events, 'retry').map((event) => event.attempt)).toEqual([1, 2])
    expect(ofType(events, 'transaction')).toMatchObject([{ outcome: 'committed', attempts: 3 }])
  })

  it('passes Knex transaction config through on every attempt', async () => {
    const error = await dsqlTransaction(knex, (trx) => trx(stock).insert({ sku: 'read-only', qty: 1 }), {
      config: { readOnly: true },
    }).then(
      () => undefined,
      (failure: unknown) => failure,
    )

    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(classifyError(error)).toBe('permanent')
    expect(await rowsWithSku('read-only')).toEqual([])
  })

  it("recognises the pg DatabaseError that Knex's own transaction throws on a conflict", async () => {
    h.conflictOnNextCommits(1)
    const error = await knex
      .transaction(async (trx) => {
        await trx(stock).insert({ sku: 'tx-unwrapped', qty: 1 })
      })
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

  it("fails a nested trx.transaction() with DSQL's 0A000 and does not retry it", async () => {
    const events: DsqlEvent[] = []
    const error = await dsqlTransaction(
      knex,
      async (trx) => {
        await trx(stock).insert({ sku: 'nested', qty: 1 })
        await trx.transaction((inner) => inner(stock).insert({ sku: 'nested-inner', qty: 1 }))
      },
      { onEvent: (event) => events.push(event) },
    ).then(
      () => undefined,
      (failure: unknown) => failure,
    )

    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(error).toMatchObject({ code: '0A000' })
    expect(classifyError(error)).toBe('permanent')
    expect(ofType(events, 'retry')).toEqual([])
    expect(await rowsWithSku('nested')).toEqual([])
  })

  it('refuses a Knex transaction in place of the Knex instance with TransactionMisuseError', async () => {
    await expect(
      knex.transaction((trx) => dsqlTransaction(trx, (inner) => inner(stock).select())),
    ).rejects.toThrow(TransactionMisuseError)
  })

  it('runs the transaction again when its connection drops inside the body: nothing was committed', async () => {
    // No 'error' listener of the app's: DsqlPool hears a checked-out connection that dies.
    const heard = h.events.length
    const localPool = new DsqlPool(h.options({ max: 2 }))
    const localDb = knexFactory({ client: 'pg', connectionPool: localPool })
    try {
      const attempts: number[] = []
      await dsqlTransaction(
        localDb,
        async (trx, { attempt }) => {
          attempts.push(attempt)
          await trx(stock).insert({ sku: 'dropped-in-body', qty: 1 })
          if (attempt === 1) h.emulator.inject({ kind: 'drop-connection' })
          await trx(stock).select()
        },
        { baseDelayMs: 1 },
      )
      expect(attempts).toEqual([1, 2])
      expect(await rowsWithSku('dropped-in-body')).toHaveLength(1)
      expect(h.events.slice(heard).some((event) => event.type === 'connection.lost')).toBe(true)
    } finally {
      await localDb.destroy()
      await localPool.end()
    }
  })

  it('reports a COMMIT whose answer was lost as outcome-unknown, and never runs it twice', async () => {
    const localPool = new DsqlPool(h.options({ max: 2 }))
    const localDb = knexFactory({ client: 'pg', connectionPool: localPool })
    try {
      const attempts: number[] = []
      h.emulator.inject({ kind: 'commit-ambiguous', reply: 'drop' })
      const error = await dsqlTransaction(localDb, async (trx, { attempt }) => {
        attempts.push(attempt)
        await trx(stock).insert({ sku: 'lost-commit', qty: 1 })
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
      await localPool.end()
    }
  })

  it('signs at most one token per endpoint across 200 queries on several connections', async () => {
    const endpoints = h.emulator.env.DSQL_ENDPOINTS!.split(',').length
    const heard = h.events.length
    const localPool = new DsqlPool(h.options({ max: 8 }))
    const local = knexFactory({ client: 'pg', connectionPool: localPool })
    try {
      for (let batch = 0; batch < 20; batch++) {
        const rows = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            local.raw<{ rows: { n: number }[] }>('SELECT ?::int AS n', [batch * 10 + i]),
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
      await localPool.end()
    }
  })

  it("keeps working through Knex after DSQL's connection-age cap closes every session", async () => {
    await Promise.all(Array.from({ length: 4 }, () => knex(stock).select()))
    const idle = pool.idleCount
    expect(idle).toBeGreaterThan(1)
    const heard = h.events.length
    const lost = connectionsLost(idle)
    h.expireConnections()
    await lost

    const [row] = await knex<StockRow>(stock).insert({ sku: 'after-expiry', qty: 7 }).returning('id')
    await dsqlTransaction(knex, (trx) => trx<StockRow>(stock).where({ id: row!.id }).update({ qty: 8 }))
    const reads = await Promise.all(
      Array.from({ length: 4 }, () => knex<StockRow>(stock).where({ id: row!.id }).select('qty')),
    )

    expect(reads).toEqual(Array.from({ length: 4 }, () => [{ qty: 8 }]))
    expect(ofType(h.events.slice(heard), 'connection.lost')).toHaveLength(idle)
    expect(ofType(h.events.slice(heard), 'connect').length).toBeGreaterThan(0)
  })
})
