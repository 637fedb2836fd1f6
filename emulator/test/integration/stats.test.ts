import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

describe('emulator stats', () => {
  let emu: Emulator
  const table = `stats_${process.pid}`

  beforeAll(async () => {
    emu = await startTestEmulator()
  })

  afterAll(async () => {
    await emu?.stop()
  })

  it('counts transactions, conflicts, queries and connections per Region as CloudWatch names them', async () => {
    const setup = await connectClient(emu, { region: 'us-east-2' })
    await setup.query(`DROP TABLE IF EXISTS ${table}`)
    await setup.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`)
    await setup.end()
    const zero = emu.stats()

    const east1 = await connectClient(emu, { region: 'us-east-1' })
    const east2 = await connectClient(emu, { region: 'us-east-2' })
    const during = emu.stats()
    expect(during.regions['us-east-1']).toMatchObject({ ClusterConnectionCount: 1, BackendSessions: 1 })
    expect(during.cluster).toMatchObject({ ClusterConnectionCount: 2, BackendSessions: 2 })

    await east1.query('SELECT 1') // autocommit read
    for (const sql of ['BEGIN', 'SELECT 1', 'COMMIT']) await east1.query(sql) // read-only transaction
    for (const sql of ['BEGIN', `INSERT INTO ${table} VALUES (1)`, 'COMMIT']) await east1.query(sql) // write transaction
    await east1.query(`INSERT INTO ${table} VALUES ($1)`, [2]) // autocommit write, extended protocol
    emu.inject({ kind: 'occ', region: 'us-east-1' })
    await east1.query('BEGIN')
    await east1.query(`INSERT INTO ${table} VALUES (3)`)
    await expect(east1.query('COMMIT')).rejects.toMatchObject({ code: '40001' })
    // A row lock writes nothing visible but is not read-only to DSQL.
    for (const sql of ['BEGIN', `SELECT * FROM ${table} WHERE id = 1 FOR UPDATE`, 'COMMIT'])
      await east1.query(sql)
    await east2.query('SELECT 1')
    await east2.query('SELECT 2')

    const after = emu.stats()
    const delta = (
      region: string,
      key: 'TotalTransactions' | 'ReadOnlyTransactions' | 'OccConflicts' | 'QueryCount',
    ) => after.regions[region]![key] - zero.regions[region]![key]
    expect({
      total: delta('us-east-1', 'TotalTransactions'),
      readOnly: delta('us-east-1', 'ReadOnlyTransactions'),
      occ: delta('us-east-1', 'OccConflicts'),
      queries: delta('us-east-1', 'QueryCount'),
    }).toEqual({ total: 6, readOnly: 2, occ: 1, queries: 14 })
    expect({
      total: delta('us-east-2', 'TotalTransactions'),
      readOnly: delta('us-east-2', 'ReadOnlyTransactions'),
      queries: delta('us-east-2', 'QueryCount'),
    }).toEqual({ total: 2, readOnly: 2, queries: 2 })
    expect(after.cluster.TotalTransactions).toBe(
      after.regions['us-east-1']!.TotalTransactions + after.regions['us-east-2']!.TotalTransactions,
    )
    expect(after.regions['us-east-1']!.CommitLatency).toBeGreaterThan(0)
    expect(after.regions['us-east-1']!.QueryTimeouts).toBe(0)
    expect(after.cluster.CallCount.DbConnectAdmin).toBe(3)

    await Promise.all([east1.end(), east2.end()])
    await expect.poll(() => emu.stats().cluster.BackendSessions).toBe(0)
    expect(emu.stats().cluster.ClusterConnectionCount).toBe(0)
  })
})
