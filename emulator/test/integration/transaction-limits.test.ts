import type pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

const T = `limits_${process.pid}`
const ROWS = { code: '54000', message: 'transaction row limit exceeded' }
const ABORTED = { code: '25P02' }

describe('emulator transaction limits', () => {
  let emu: Emulator
  let client: pg.Client

  async function count(): Promise<number> {
    return (await client.query(`SELECT count(*)::int AS n FROM ${T}`)).rows[0].n
  }

  beforeAll(async () => {
    // Small limits keep the tests fast; the defaults are DSQL's (3,000 rows, 10 MiB, 300 s).
    emu = await startTestEmulator({
      regions: ['us-east-1'],
      maxTransactionRows: 5,
      maxTransactionBytes: 4096,
      maxTransactionAgeSec: 1,
    })
    client = await connectClient(emu)
    await client.query(`DROP TABLE IF EXISTS ${T}`)
    await client.query(`CREATE TABLE ${T} (id int PRIMARY KEY, note text)`)
  })

  afterEach(async () => {
    emu.setClockOffset(0)
    await client.query('ROLLBACK')
    await client.query(`DELETE FROM ${T}`)
  })

  afterAll(async () => {
    await client?.end()
    await emu?.stop()
  })

  it('takes exactly the row limit, fails the statement that crosses it, and aborts the transaction', async () => {
    await client.query('BEGIN')
    await client.query(`INSERT INTO ${T} SELECT i, 'x' FROM generate_series(1, 3) i`)
    await client.query(`UPDATE ${T} SET note = 'y' WHERE id <= 2`)
    await expect(client.query(`DELETE FROM ${T} WHERE id = $1`, [1])).rejects.toMatchObject(ROWS)
    await expect(client.query('SELECT 1')).rejects.toMatchObject(ABORTED)
    expect((await client.query('COMMIT')).command).toBe('ROLLBACK')
    expect(await count()).toBe(0)
    await client.query('BEGIN')
    await client.query(`INSERT INTO ${T} SELECT i, 'x' FROM generate_series(1, 5) i`)
    await client.query('COMMIT')
    expect(await count()).toBe(5)
  })

  it('applies the row limit to an autocommit statement, which then changes nothing', async () => {
    await expect(
      client.query(`INSERT INTO ${T} SELECT i, 'x' FROM generate_series(1, 6) i`),
    ).rejects.toMatchObject(ROWS)
    expect(await count()).toBe(0)
    expect((await client.query(`INSERT INTO ${T} SELECT i, 'x' FROM generate_series(1, 5) i`)).rowCount).toBe(
      5,
    )
  })

  it('fails a COMMIT over the size limit with the size in its DETAIL', async () => {
    await client.query('BEGIN')
    await client.query(`INSERT INTO ${T} VALUES ($1, $2)`, [1, 'x'.repeat(3000)])
    await client.query(`INSERT INTO ${T} VALUES ($1, $2)`, [2, 'x'.repeat(3000)])
    await expect(client.query('COMMIT')).rejects.toMatchObject({
      code: '54000',
      message: 'transaction size limit 0.0039mb exceeded',
      detail: expect.stringMatching(/^Current transaction size 0\.00\d+mb > 0\.0039mb$/),
    })
    expect(await count()).toBe(0)
  })

  it('fails statements and COMMIT past the age limit, and counts QueryTimeouts', async () => {
    const before = emu.stats().cluster.QueryTimeouts
    await client.query('BEGIN')
    await client.query(`INSERT INTO ${T} VALUES (1, 'x')`)
    emu.setClockOffset(2)
    await expect(client.query('SELECT 1')).rejects.toMatchObject({
      code: '54000',
      message: 'transaction age limit of 1s exceeded',
      detail: 'Current transaction age 2s exceeds 1s',
    })
    await client.query('ROLLBACK')
    emu.setClockOffset(0)
    await client.query('BEGIN')
    emu.setClockOffset(5)
    await expect(client.query('COMMIT')).rejects.toMatchObject({ code: '54000', message: /age limit of 1s/ })
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect(emu.stats().cluster.QueryTimeouts - before).toBe(2)
    expect(await count()).toBe(0)
  })

  it('cancels a statement still running when the transaction reaches the age limit', async () => {
    await client.query('BEGIN')
    await expect(client.query('SELECT pg_sleep(30)')).rejects.toMatchObject({
      code: '54000',
      message: 'transaction age limit of 1s exceeded',
    })
    expect((await client.query('COMMIT')).command).toBe('ROLLBACK')
  })
})
