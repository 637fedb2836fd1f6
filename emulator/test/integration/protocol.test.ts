import type pg from 'pg'
import Cursor from 'pg-cursor'
import QueryStream from 'pg-query-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

const T = `protocol_${process.pid}`
const OC000 = { code: '40001', message: 'change conflicts with another transaction (OC000)' }

describe('emulator protocol coverage with transaction semantics', () => {
  let emu: Emulator
  let a: pg.Client
  let b: pg.Client

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'] })
    a = await connectClient(emu)
    b = await connectClient(emu)
    await a.query(`DROP TABLE IF EXISTS ${T}`)
    await a.query(`CREATE TABLE ${T} (id int PRIMARY KEY, v int NOT NULL)`)
    await a.query(`INSERT INTO ${T} SELECT i, i FROM generate_series(1, 10) i`)
    await b.query('SELECT 1').catch(() => undefined)
  })

  afterAll(async () => {
    await Promise.all([a?.end(), b?.end()])
    await emu?.stop()
  })

  it('reads through a cursor in batches (portals with row limits), in and out of a transaction', async () => {
    for (const inTransaction of [false, true]) {
      if (inTransaction) await b.query('BEGIN')
      const cursor = b.query(new Cursor(`SELECT id FROM ${T} WHERE id <= $1 ORDER BY id`, [7]))
      const batches: number[][] = []
      for (let rows = await cursor.read(3); rows.length > 0; rows = await cursor.read(3)) {
        batches.push(rows.map((row) => row.id))
      }
      await cursor.close()
      expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7]])
      if (inTransaction) expect((await b.query('COMMIT')).command).toBe('COMMIT')
    }
  })

  it('streams rows with pg-query-stream', async () => {
    const ids: number[] = []
    const stream = b.query(new QueryStream(`SELECT id FROM ${T} ORDER BY id`, [], { batchSize: 4 }))
    for await (const row of stream) ids.push((row as { id: number }).id)
    expect(ids).toHaveLength(10)
  })

  it('fails a conflict inside a multi-statement query at once, and the transaction with it', async () => {
    await a.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = 0 WHERE id = 1`)
    await b.query('BEGIN')
    await expect(
      b.query(`UPDATE ${T} SET v = 5 WHERE id = 2; UPDATE ${T} SET v = 5 WHERE id = 1`),
    ).rejects.toMatchObject(OC000)
    expect((await b.query('COMMIT')).command).toBe('ROLLBACK')
    await a.query('COMMIT')
    const { rows } = await a.query(`SELECT v FROM ${T} WHERE id IN (1, 2) ORDER BY id`)
    expect(rows).toEqual([{ v: 0 }, { v: 2 }])
  })

  it('runs a multi-statement simple query in autocommit as one transaction', async () => {
    await expect(
      b.query(`UPDATE ${T} SET v = 100 WHERE id = 3; UPDATE ${T} SET v = 1 / 0 WHERE id = 4`),
    ).rejects.toMatchObject({ code: '22012' })
    expect((await b.query(`SELECT v FROM ${T} WHERE id = 3`)).rows).toEqual([{ v: 3 }])
    await b.query(`UPDATE ${T} SET v = 100 WHERE id = 3; UPDATE ${T} SET v = 100 WHERE id = 4`)
    expect((await b.query(`SELECT count(*)::int AS n FROM ${T} WHERE v = 100`)).rows).toEqual([{ n: 2 }])
  })

  it('runs BEGIN, a write and COMMIT sent as one simple query', async () => {
    await b.query(`BEGIN; UPDATE ${T} SET v = 7 WHERE id = 7; COMMIT`)
    expect((await a.query(`SELECT v FROM ${T} WHERE id = 7`)).rows).toEqual([{ v: 7 }])
  })
})
