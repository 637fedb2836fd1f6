import type pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

const OC000 = { code: '40001', message: 'change conflicts with another transaction (OC000)' }
const OC001 = { code: '40001', message: 'schema has been updated by another transaction (OC001)' }
const XX000 = { code: 'XX000', message: 'server unavailable' }
const T = `faults_occ_${process.pid}`

describe('emulator injected faults with real conflicts', () => {
  let emu: Emulator
  let a: pg.Client
  let b: pg.Client

  async function value(): Promise<number> {
    return (await a.query(`SELECT v FROM ${T} WHERE id = 1`)).rows[0].v
  }

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'] })
    a = await connectClient(emu)
    b = await connectClient(emu)
    await a.query(`DROP TABLE IF EXISTS ${T}`)
    await a.query(`CREATE TABLE ${T} (id int PRIMARY KEY, v int NOT NULL)`)
    await a.query(`INSERT INTO ${T} VALUES (1, 0)`)
    await b.query('SELECT 1').catch(() => undefined)
  })

  afterEach(async () => {
    emu.clearFaults()
    await Promise.all([a.query('ROLLBACK'), b.query('ROLLBACK')])
  })

  afterAll(async () => {
    await Promise.all([a?.end(), b?.end()])
    await emu?.stop()
  })

  it('fires a schema fault on the first statement that touches storage, not on BEGIN or COMMIT', async () => {
    emu.inject({ kind: 'schema' })
    await b.query('BEGIN')
    await b.query('SET application_name = x')
    await expect(b.query(`SELECT v FROM ${T}`)).rejects.toMatchObject(OC001)
    expect((await b.query('COMMIT')).command).toBe('ROLLBACK')
    expect(emu.faults()).toHaveLength(0)
  })

  it('leaves an occ fault armed when a real conflict already fails the COMMIT', async () => {
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = v + 1 WHERE id = 1`)
    await b.query(`UPDATE ${T} SET v = v + 10 WHERE id = 1`)
    emu.inject({ kind: 'occ' })
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(emu.faults()).toHaveLength(1)
    // The fault now takes the winner's COMMIT: neither change lands.
    const before = await b.query(`SELECT v FROM ${T} WHERE id = 1`)
    await expect(a.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(await value()).toBe(before.rows[0].v)
  })

  it('never commits a losing transaction, even on commit-ambiguous', async () => {
    const start = await value()
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = v + 1 WHERE id = 1`)
    await b.query(`UPDATE ${T} SET v = v + 10 WHERE id = 1`)
    await a.query('COMMIT')
    emu.inject({ kind: 'commit-ambiguous' })
    await expect(b.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(await value()).toBe(start + 1)
    // The armed fault takes the next write that commits: it lands, and the client hears XX000.
    await expect(b.query(`UPDATE ${T} SET v = v + 100 WHERE id = 1`)).rejects.toMatchObject(XX000)
    expect(await value()).toBe(start + 101)
  })

  it('fails a conflicting autocommit write with OC000 whatever fault is armed for commits', async () => {
    emu.inject({ kind: 'commit-ambiguous' })
    await a.query('BEGIN')
    await a.query(`UPDATE ${T} SET v = 0 WHERE id = 1`)
    await expect(b.query(`UPDATE ${T} SET v = 5 WHERE id = 1`)).rejects.toMatchObject(OC000)
    expect(emu.faults()).toHaveLength(1)
    await a.query('ROLLBACK')
  })

  it('answers server-unavailable on COMMIT before applying it (the transaction is rolled back)', async () => {
    const start = await value()
    await b.query('BEGIN')
    await b.query(`UPDATE ${T} SET v = v + 1 WHERE id = 1`)
    emu.inject({ kind: 'server-unavailable' })
    await expect(b.query('COMMIT')).rejects.toMatchObject(XX000)
    expect(await value()).toBe(start)
    expect((await b.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })
})
