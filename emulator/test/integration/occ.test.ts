import type pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

const OC000 = { code: '40001', message: 'change conflicts with another transaction (OC000)' }
const T = `occ_${process.pid}`

/** One side of a conflict-matrix cell: a statement on row 1, and what it answers when alone. */
const OPS = {
  insert: { sql: `INSERT INTO ${T} (id, k, v) VALUES (100, 100, 0)`, command: 'INSERT', rowCount: 1 },
  delete: { sql: `DELETE FROM ${T} WHERE id = 1`, command: 'DELETE', rowCount: 1 },
  'update key': { sql: `UPDATE ${T} SET k = k + 1000 WHERE id = 1`, command: 'UPDATE', rowCount: 1 },
  'update non-key': { sql: `UPDATE ${T} SET v = v + 1 WHERE id = 1`, command: 'UPDATE', rowCount: 1 },
  'for update': { sql: `SELECT * FROM ${T} WHERE id = 1 FOR UPDATE`, command: 'SELECT', rowCount: 1 },
  'for key share': { sql: `SELECT * FROM ${T} WHERE id = 1 FOR KEY SHARE`, command: 'SELECT', rowCount: 1 },
} as const
type Op = keyof typeof OPS

/** DSQL's conflict matrix (reference §3.2): which pairs of operations on one row conflict. */
const STRONG: readonly Op[] = ['delete', 'update key', 'for update']
function conflicts(first: Op, second: Op): boolean {
  if (STRONG.includes(first) || STRONG.includes(second)) return true
  return first === 'update non-key' && second === 'update non-key'
}

const ROW_OPS: readonly Op[] = ['delete', 'update key', 'update non-key', 'for update', 'for key share']
const CELLS: [Op, Op, boolean][] = [
  ['insert', 'insert', true],
  ...ROW_OPS.flatMap((first) =>
    ROW_OPS.map((second): [Op, Op, boolean] => [first, second, conflicts(first, second)]),
  ),
]

describe('emulator OCC', () => {
  let emu: Emulator
  let a: pg.Client
  let b: pg.Client

  async function reset(): Promise<void> {
    await a.query(`DELETE FROM ${T}`)
    await a.query(`INSERT INTO ${T} (id, k, v) SELECT i, i, 10 * i FROM generate_series(1, 5) i`)
  }

  async function values(): Promise<Record<number, number>> {
    const { rows } = await a.query(`SELECT id, v FROM ${T} ORDER BY id`)
    return Object.fromEntries(rows.map((row) => [row.id, row.v]))
  }

  beforeAll(async () => {
    emu = await startTestEmulator()
    a = await connectClient(emu, { region: 'us-east-1' })
    b = await connectClient(emu, { region: 'us-east-2' })
    await a.query(`DROP TABLE IF EXISTS ${T}`)
    await a.query(`CREATE TABLE ${T} (id int PRIMARY KEY, k int NOT NULL UNIQUE, v int NOT NULL)`)
    // The DDL makes b's next statement fail with OC001 once; take it here.
    await b.query('SELECT 1').catch(() => undefined)
  })

  beforeEach(reset)

  afterEach(async () => {
    await Promise.all([a.query('ROLLBACK'), b.query('ROLLBACK')])
  })

  afterAll(async () => {
    await Promise.all([a?.end(), b?.end()])
    await emu?.stop()
  })

  it.each(CELLS)('%s, then %s on the same row: conflict %s', async (first, second, conflict) => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    const one = await a.query(OPS[first].sql)
    expect(one).toMatchObject({ command: OPS[first].command, rowCount: OPS[first].rowCount })
    // The second statement completes while the first transaction is open (it never waits),
    // with the row count it has on its own snapshot.
    const two = await b.query(OPS[second].sql)
    expect(two).toMatchObject({ command: OPS[second].command, rowCount: OPS[second].rowCount })
    expect((await a.query('COMMIT')).command).toBe('COMMIT')
    if (conflict) await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    else expect((await b.query('COMMIT')).command).toBe('COMMIT')
    // The session is idle again either way.
    expect((await b.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  it('lets the first committer win and fails the second at COMMIT', async () => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = v + 1 WHERE id = 1`)
    expect((await b.query(`UPDATE ${T} SET v = v + 100 WHERE id = 1`)).rowCount).toBe(1)
    await a.query('COMMIT')
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    expect((await values())[1]).toBe(11)
  })

  it('fails a write to a row changed by a transaction that committed after this one began', async () => {
    await b.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = 0 WHERE id = 2`)
    // b's snapshot is from BEGIN: it still sees 20, and its update loses.
    expect((await b.query(`SELECT v FROM ${T} WHERE id = 2`)).rows).toEqual([{ v: 20 }])
    expect((await b.query(`UPDATE ${T} SET v = v + 1 WHERE id = 2`)).rowCount).toBe(1)
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    expect((await values())[2]).toBe(0)
  })

  it('takes the snapshot at BEGIN, not at the first statement', async () => {
    await b.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = -1 WHERE id = 3`)
    expect((await b.query(`SELECT v FROM ${T} WHERE id = 3`)).rows).toEqual([{ v: 30 }])
    await b.query('COMMIT')
  })

  it('allows write skew: plain reads never conflict', async () => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    const sumA = (await a.query(`SELECT sum(v)::int AS s FROM ${T} WHERE id IN (1, 2)`)).rows[0].s
    const sumB = (await b.query(`SELECT sum(v)::int AS s FROM ${T} WHERE id IN (1, 2)`)).rows[0].s
    await a.query(`UPDATE ${T} SET v = v - $1 WHERE id = 1`, [sumA])
    await b.query(`UPDATE ${T} SET v = v - $1 WHERE id = 2`, [sumB])
    await a.query('COMMIT')
    await b.query('COMMIT')
    expect(await values()).toMatchObject({ 1: -20, 2: -10 })
  })

  it('answers the loser with its true multi-row count and RETURNING rows (extended protocol)', async () => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = v + 1 WHERE id = 2`)
    const lost = await b.query(`UPDATE ${T} SET v = v * $1 WHERE id <= $2 RETURNING id, v, k`, [3, 3])
    expect(lost.command).toBe('UPDATE')
    expect(lost.rowCount).toBe(3)
    expect(lost.rows.sort((x, y) => x.id - y.id)).toEqual([
      { id: 1, v: 30, k: 1 },
      { id: 2, v: 60, k: 2 },
      { id: 3, v: 90, k: 3 },
    ])
    await a.query('COMMIT')
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(await values()).toMatchObject({ 1: 10, 2: 21, 3: 30 })
  })

  it('answers the loser with its RETURNING rows through the simple protocol too', async () => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`DELETE FROM ${T} WHERE id = 4`)
    const lost = await b.query(`DELETE FROM ${T} WHERE id >= 4 RETURNING *`)
    expect(lost).toMatchObject({ command: 'DELETE', rowCount: 2 })
    expect(lost.rows.sort((x, y) => x.id - y.id)).toEqual([
      { id: 4, k: 4, v: 40 },
      { id: 5, k: 5, v: 50 },
    ])
    const star = await b.query(`UPDATE ${T} SET v = 7 WHERE id = 4 RETURNING *`)
    expect(star.rows).toEqual([{ id: 4, k: 4, v: 7 }])
    await a.query('COMMIT')
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(Object.keys(await values())).toEqual(['1', '2', '3', '5'])
  })

  it('answers a losing INSERT ... RETURNING with the values it would have inserted', async () => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`INSERT INTO ${T} (id, k, v) VALUES (50, 50, 1)`)
    const lost = await b.query(
      `INSERT INTO ${T} (id, k, v) VALUES ($1, $2, $3), (51, 51, 2) RETURNING id, v`,
      [50, 500, 5],
    )
    expect(lost).toMatchObject({ command: 'INSERT', rowCount: 2 })
    expect(lost.rows).toEqual([
      { id: 50, v: 5 },
      { id: 51, v: 2 },
    ])
    await a.query('COMMIT')
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    expect((await values())[51]).toBeUndefined()
  })

  it('answers a losing SELECT ... FOR UPDATE with its rows', async () => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`SELECT * FROM ${T} WHERE id = 1 FOR UPDATE`)
    const rows = await b.query(`SELECT id, v FROM ${T} WHERE id IN ($1, $2) ORDER BY id FOR UPDATE`, [1, 2])
    expect(rows.rows).toEqual([
      { id: 1, v: 10 },
      { id: 2, v: 20 },
    ])
    await a.query('COMMIT')
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
  })

  it('fails a conflicting autocommit statement itself, at once, and applies nothing', async () => {
    await a.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = 1 WHERE id = 1`)
    await expect(b.query(`UPDATE ${T} SET v = 2 WHERE id = 1`)).rejects.toMatchObject(OC000)
    await expect(b.query(`UPDATE ${T} SET v = 2 WHERE id = $1`, [1])).rejects.toMatchObject(OC000)
    await a.query('COMMIT')
    expect((await values())[1]).toBe(1)
    expect((await b.query(`UPDATE ${T} SET v = 3 WHERE id = 1`)).rowCount).toBe(1)
    expect((await values())[1]).toBe(3)
  })

  it('keeps the loser going: its later statements run, and a ROLLBACK ends it quietly', async () => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = 0 WHERE id = 1`)
    await b.query(`UPDATE ${T} SET v = 5 WHERE id = 1`)
    expect((await b.query(`UPDATE ${T} SET v = 5 WHERE id = 2`)).rowCount).toBe(1)
    expect((await b.query(`SELECT v FROM ${T} WHERE id = 2`)).rows).toEqual([{ v: 5 }])
    expect((await b.query('ROLLBACK')).command).toBe('ROLLBACK')
    await a.query('COMMIT')
    expect(await values()).toMatchObject({ 1: 0, 2: 20 })
  })

  it('counts real and injected conflicts as OccConflicts', async () => {
    const before = emu.stats().cluster.OccConflicts
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = 1 WHERE id = 1`)
    await b.query(`UPDATE ${T} SET v = 2 WHERE id = 1`)
    await a.query('COMMIT')
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    emu.inject({ kind: 'occ' })
    await expect(b.query(`UPDATE ${T} SET v = 9 WHERE id = 5`)).rejects.toMatchObject(OC000)
    expect(emu.stats().cluster.OccConflicts - before).toBe(2)
  })
})
