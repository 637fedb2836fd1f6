import { randomUUID } from 'node:crypto'
import pg from 'pg'
import pgPromise from 'pg-promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  classifyError,
  createDsqlPg,
  type DsqlEvent,
  DsqlPool,
  type DsqlPoolConfig,
  isOccError,
  TransactionMisuseError,
} from '../../src/index.js'
import { dsqlTx } from '../../src/orm/pg-promise.js'
import { ofType } from './support/orm-events.js'
import { type OrmHarness, ormHarness } from './support/orm-harness.js'

// pg-promise pins pg 8.23.0 and builds `new pgp.pg.Pool(cn)` from its own copy. The recipe swaps
// that module for pg-dsql's (`pgp.pg = createDsqlPg(options)`, before `pgp(cn)`), so each
// database's pool is a DsqlPool and direct connections are DsqlClients.

let h: OrmHarness
let table: string
const opened: pgPromise.IMain[] = []

function connect(options: DsqlPoolConfig = h.options(), cn: object = {}) {
  const pgp = pgPromise({ noWarnings: true })
  // `pg` is writable on purpose ("so the protocol can be mocked"); its type says readonly.
  Object.assign(pgp, { pg: createDsqlPg(options) })
  opened.push(pgp)
  return pgp(cn)
}

beforeAll(async () => {
  h = await ormHarness()
  table = h.table('pgp_items')
  await h.ddl(
    `CREATE TABLE ${table} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, qty int NOT NULL)`,
  )
})

afterAll(async () => {
  for (const pgp of opened) pgp.end()
  await h?.stop()
})

/** Records a pool's events; `heard(type, count)` resolves once `count` events of `type` arrived. */
function recorder() {
  const events: DsqlEvent[] = []
  const waiting: { type: DsqlEvent['type']; count: number; resolve: () => void }[] = []
  const settle = () => {
    for (const waiter of [...waiting]) {
      if (ofType(events, waiter.type).length < waiter.count) continue
      waiting.splice(waiting.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  return {
    events,
    onEvent(event: DsqlEvent) {
      events.push(event)
      settle()
    },
    heard(type: DsqlEvent['type'], count: number): Promise<void> {
      return new Promise((resolve) => {
        waiting.push({ type, count, resolve })
        settle()
      })
    },
  }
}

describe('pg-promise over pg-dsql', () => {
  it('builds its pool as a DsqlPool and creates, reads, updates and deletes rows', async () => {
    const db = connect()
    expect(db.$pool).toBeInstanceOf(DsqlPool)
    const { id } = await db.one<{ id: string }>(
      `INSERT INTO ${table} (name, qty) VALUES ($1, $2) RETURNING id`,
      ['crud', 1],
    )
    expect(await db.one(`SELECT name, qty FROM ${table} WHERE id = $1`, [id])).toEqual({
      name: 'crud',
      qty: 1,
    })
    expect((await db.result(`UPDATE ${table} SET qty = $2 WHERE id = $1`, [id, 5])).rowCount).toBe(1)
    expect(await db.one(`SELECT qty FROM ${table} WHERE id = $1`, [id], (row) => row.qty)).toBe(5)
    expect((await db.result(`DELETE FROM ${table} WHERE id = $1`, [id])).rowCount).toBe(1)
    expect(await db.oneOrNone(`SELECT id FROM ${table} WHERE id = $1`, [id])).toBeNull()
  })

  it('commits db.tx once through dsqlTx after two conflicts', async () => {
    const db = connect()
    const name = `tx-${randomUUID()}`
    const events: DsqlEvent[] = []
    const attempts: number[] = []
    h.conflictOnNextCommits(2)
    const id = await dsqlTx(
      db,
      async (t, { attempt }) => {
        attempts.push(attempt)
        return t.one(`INSERT INTO ${table} (name, qty) VALUES ($1, 1) RETURNING id`, [name], (row) => row.id)
      },
      { onEvent: (event) => events.push(event), transactionOptions: { tag: 'order' } },
    )
    expect(attempts).toEqual([1, 2, 3])
    expect(await db.any(`SELECT id FROM ${table} WHERE name = $1`, [name])).toEqual([{ id }])
    expect(ofType(events, 'retry')).toHaveLength(2)
    expect(ofType(events, 'occ.conflict')).toHaveLength(2)
    expect(ofType(events, 'transaction')).toEqual([
      expect.objectContaining({ outcome: 'committed', attempts: 3 }),
    ])
  })

  it("rejects db.tx with pg's own error, which isOccError and classifyError read as a data conflict", async () => {
    const db = connect()
    const name = `bare-${randomUUID()}`
    h.conflictOnNextCommits(1)
    const error = await db
      .tx((t) => t.none(`INSERT INTO ${table} (name, qty) VALUES ($1, 1)`, [name]))
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(error).toMatchObject({ code: '40001' })
    expect(isOccError(error)).toBe(true)
    expect(classifyError(error)).toBe('occ-data')
    expect(await db.any(`SELECT id FROM ${table} WHERE name = $1`, [name])).toEqual([])
  })

  it('fails a nested t.tx with DSQL 0A000 (no savepoints) and never retries it', async () => {
    const db = connect()
    let runs = 0
    const error = await dsqlTx(db, async (t) => {
      runs++
      await t.tx((inner) => inner.none(`INSERT INTO ${table} (name, qty) VALUES ('nested', 1)`))
    }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: '0A000', message: 'unsupported transaction statement: SAVEPOINT' })
    expect(runs).toBe(1)
  })

  it('refuses a transaction in place of the database, and accepts a task', async () => {
    const db = connect()
    let ran = false
    await db.tx(async (t) => {
      await expect(
        dsqlTx(t, () => {
          ran = true
        }),
      ).rejects.toBeInstanceOf(TransactionMisuseError)
    })
    expect(ran).toBe(false)
    const name = `task-${randomUUID()}`
    await db.task((task) =>
      dsqlTx(task, (t) => t.none(`INSERT INTO ${table} (name, qty) VALUES ($1, 1)`, [name])),
    )
    expect(
      await db.one(`SELECT count(*)::int AS n FROM ${table} WHERE name = $1`, [name], (row) => row.n),
    ).toBe(1)
  })

  it('signs at most one token for its endpoint across 200 queries on several connections', async () => {
    const heard = h.events.length
    const db = connect(h.options({ max: 4 }))
    for (let round = 0; round < 50; round++) {
      await Promise.all(Array.from({ length: 4 }, () => db.one(`SELECT count(*) FROM ${table}`)))
    }
    const window = h.events.slice(heard)
    expect(ofType(window, 'connect').length).toBeGreaterThan(1)
    expect(ofType(window, 'token.issued').length).toBeLessThanOrEqual(1)
  })

  it('keeps working after every connection reaches the connection-age cap', async () => {
    const recorded = recorder()
    const db = connect(h.options({ max: 4, onEvent: recorded.onEvent }))
    const name = `expiry-${randomUUID()}`
    await Promise.all(
      [1, 2, 3].map((qty) => db.none(`INSERT INTO ${table} (name, qty) VALUES ($1, $2)`, [name, qty])),
    )
    const idle = db.$pool.idleCount
    expect(idle).toBeGreaterThan(1)
    const lost = recorded.heard('connection.lost', idle)
    h.expireConnections()
    await lost

    await dsqlTx(db, (t) => t.none(`INSERT INTO ${table} (name, qty) VALUES ($1, 4)`, [name]))
    const sums = await Promise.all(
      Array.from({ length: 4 }, () =>
        db.one(`SELECT sum(qty)::int AS total FROM ${table} WHERE name = $1`, [name], (row) => row.total),
      ),
    )
    expect(sums).toEqual([10, 10, 10, 10])
    expect(ofType(recorded.events, 'connection.lost')).toHaveLength(idle)
  })
})
