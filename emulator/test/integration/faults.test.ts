import type pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

const OC000 = { code: '40001', message: 'change conflicts with another transaction (OC000)' }
const OC001 = { code: '40001', message: 'schema has been updated by another transaction (OC001)' }
const XX000 = { code: 'XX000', message: 'server unavailable' }

function ended(client: pg.Client): Promise<void> {
  return new Promise((resolve) => client.once('end', () => resolve()))
}

describe('emulator faults', () => {
  let emu: Emulator
  let admin: pg.Client
  const table = `faults_${process.pid}`

  async function rows(): Promise<number[]> {
    const result = await admin.query(`SELECT id FROM ${table} ORDER BY id`)
    return result.rows.map((r) => r.id)
  }

  beforeAll(async () => {
    emu = await startTestEmulator()
    admin = await connectClient(emu, { region: 'us-east-1' })
    await admin.query(`DROP TABLE IF EXISTS ${table}`)
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`)
  })

  afterEach(async () => {
    emu.clearFaults()
    await admin.query(`DELETE FROM ${table}`)
  })

  afterAll(async () => {
    await admin?.end()
    await emu?.stop()
  })

  it('fails the next COMMIT of a write transaction with OC000 and rolls it back', async () => {
    const client = await connectClient(emu, { region: 'us-east-2' })
    emu.inject({ kind: 'occ' })
    await client.query('BEGIN')
    await client.query('SELECT 1')
    await client.query('COMMIT')
    expect(emu.faults()).toHaveLength(1)
    await client.query('BEGIN')
    await client.query(`INSERT INTO ${table} VALUES (1)`)
    await expect(client.query('COMMIT')).rejects.toMatchObject(OC000)
    expect(await rows()).toEqual([])
    expect(emu.faults()).toHaveLength(0)
    await client.query(`INSERT INTO ${table} VALUES (2)`)
    expect(await rows()).toEqual([2])
    await client.end()
  })

  it('fails the next autocommit write with OC000 without applying it', async () => {
    const client = await connectClient(emu)
    emu.inject({ kind: 'occ' })
    expect((await client.query('SELECT 5 AS five')).rows).toEqual([{ five: 5 }])
    await expect(client.query(`INSERT INTO ${table} VALUES ($1)`, [3])).rejects.toMatchObject(OC000)
    expect(await rows()).toEqual([])
    await client.end()
  })

  it('fails the next statement with OC001, reads included, and leaves the transaction failed', async () => {
    const client = await connectClient(emu)
    emu.inject({ kind: 'schema' })
    await expect(client.query('SELECT 1')).rejects.toMatchObject(OC001)
    await client.query('BEGIN')
    emu.inject({ kind: 'schema' })
    await expect(client.query(`SELECT * FROM ${table}`)).rejects.toMatchObject(OC001)
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' })
    expect((await client.query('COMMIT')).command).toBe('ROLLBACK')
    await client.end()
  })

  it('fails a statement with XX000 server unavailable and keeps the connection usable', async () => {
    const client = await connectClient(emu)
    emu.inject({ kind: 'server-unavailable', count: 2 })
    await expect(client.query('SELECT 1')).rejects.toMatchObject(XX000)
    await expect(client.query('SELECT $1::int AS n', [1])).rejects.toMatchObject(XX000)
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await client.end()
  })

  it('drops the connection of the next statement', async () => {
    const client = await connectClient(emu)
    emu.inject({ kind: 'drop-connection' })
    const closing = ended(client)
    await expect(client.query('SELECT 1')).rejects.toThrow(/terminated/)
    await closing
  })

  it('commits for real, then answers XX000, on commit-ambiguous', async () => {
    const client = await connectClient(emu)
    emu.inject({ kind: 'commit-ambiguous' })
    await client.query('BEGIN')
    await client.query(`INSERT INTO ${table} VALUES (10)`)
    await expect(client.query('COMMIT')).rejects.toMatchObject(XX000)
    expect(await rows()).toEqual([10])
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await client.end()
  })

  it('commits for real, then drops the connection, on commit-ambiguous with reply drop', async () => {
    const client = await connectClient(emu)
    emu.inject({ kind: 'commit-ambiguous', reply: 'drop' })
    await expect(client.query(`INSERT INTO ${table} VALUES (11)`)).rejects.toThrow(/terminated/)
    expect(await rows()).toEqual([11])
  })

  it('hits only the Region it names', async () => {
    const east1 = await connectClient(emu, { region: 'us-east-1' })
    const east2 = await connectClient(emu, { region: 'us-east-2' })
    emu.inject({ kind: 'server-unavailable', region: 'us-east-2' })
    await east1.query('SELECT 1')
    await expect(east2.query('SELECT 1')).rejects.toMatchObject(XX000)
    await Promise.all([east1.end(), east2.end()])
  })

  it('stays armed with a probability until cleared', async () => {
    const client = await connectClient(emu)
    emu.inject({ kind: 'server-unavailable', probability: 1 })
    for (let i = 0; i < 3; i++) await expect(client.query('SELECT 1')).rejects.toMatchObject(XX000)
    emu.clearFaults()
    await client.query('SELECT 1')
    await client.end()
  })

  it('never fails a ROLLBACK', async () => {
    const client = await connectClient(emu)
    await client.query('BEGIN')
    emu.inject({ kind: 'server-unavailable' })
    expect((await client.query('ROLLBACK')).command).toBe('ROLLBACK')
    expect(emu.faults()).toHaveLength(1)
    await client.end()
  })
})
