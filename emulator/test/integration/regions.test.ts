import type pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient, connectError } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

async function roundTripMs(client: pg.Client, sql = 'SELECT 1'): Promise<number> {
  const started = performance.now()
  await client.query(sql)
  return performance.now() - started
}

function ended(client: pg.Client): Promise<void> {
  return new Promise((resolve) => client.once('end', () => resolve()))
}

describe('emulator Regions', () => {
  let emu: Emulator
  const table = `regions_${process.pid}`

  beforeAll(async () => {
    emu = await startTestEmulator({ interRegionRttMs: 80 })
    const admin = await connectClient(emu)
    await admin.query(`DROP TABLE IF EXISTS ${table}`)
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`)
    await admin.end()
  })

  afterEach(() => {
    for (const region of emu.regions) {
      emu.heal(region)
      emu.setLatency(region, 0)
    }
  })

  afterAll(async () => {
    await emu?.stop()
  })

  it("gives each Region a distinct endpoint host of DSQL's form, witness us-west-2", () => {
    expect(emu.endpoints.map((e) => e.region)).toEqual(['us-east-1', 'us-east-2'])
    for (const endpoint of emu.endpoints)
      expect(endpoint.host).toMatch(new RegExp(`^[a-z0-9]{26}\\.dsql\\.${endpoint.region}\\.on\\.aws$`))
    expect(new Set(emu.endpoints.map((e) => e.host.slice(0, 26))).size).toBe(2)
    expect(emu.witnessRegion).toBe('us-west-2')
    expect(emu.env).toMatchObject({ AWS_REGION: 'us-east-1', PGUSER: 'admin', PGDATABASE: 'postgres' })
    expect(emu.env.DSQL_ENDPOINTS).toBe(
      emu.endpoints.map((e) => `${e.host}@${e.address}:${e.port}`).join(','),
    )
  })

  it('serves one database from both Regions', async () => {
    const east1 = await connectClient(emu, { region: 'us-east-1' })
    const east2 = await connectClient(emu, { region: 'us-east-2' })
    await east1.query(`INSERT INTO ${table} VALUES (1, 'from east-1')`)
    expect((await east2.query(`SELECT v FROM ${table} WHERE id = 1`)).rows).toEqual([{ v: 'from east-1' }])
    await Promise.all([east1.end(), east2.end()])
  })

  it("adds a Region's latency to each round trip", async () => {
    const client = await connectClient(emu, { region: 'us-east-2' })
    emu.setLatency('us-east-2', 60)
    expect(await roundTripMs(client)).toBeGreaterThanOrEqual(59)
    emu.setLatency('us-east-2', 0)
    await client.end()
  })

  it('adds the inter-Region round trip to commits that wrote', async () => {
    const client = await connectClient(emu)
    await client.query('BEGIN')
    await client.query(`INSERT INTO ${table} VALUES (2, 'x')`)
    expect(await roundTripMs(client, 'COMMIT')).toBeGreaterThanOrEqual(79)
    expect(await roundTripMs(client, `UPDATE ${table} SET v = 'y' WHERE id = 2`)).toBeGreaterThanOrEqual(79)
    expect(emu.stats().regions['us-east-1']!.CommitLatency).toBeGreaterThanOrEqual(79)
    await client.end()
  })

  it('isolates a Region in refuse mode: sessions dropped, new connections reset, the peer serves', async () => {
    const victim = await connectClient(emu, { region: 'us-east-2' })
    const closing = ended(victim)
    emu.isolate('us-east-2', { mode: 'refuse', existing: 'drop' })
    await closing
    expect(victim.errors[0]?.message).toMatch(/terminated|ECONNRESET/)
    expect(await connectError(emu, { region: 'us-east-2' })).toMatchObject({ code: 'ECONNRESET' })
    const peer = await connectClient(emu, { region: 'us-east-1' })
    await peer.query(`INSERT INTO ${table} VALUES (3, 'still writable') ON CONFLICT (id) DO NOTHING`)
    await peer.end()
    emu.heal('us-east-2')
    const back = await connectClient(emu, { region: 'us-east-2' })
    expect((await back.query(`SELECT v FROM ${table} WHERE id = 3`)).rows).toEqual([{ v: 'still writable' }])
    await back.end()
  })

  it('isolates a Region in blackhole mode: existing sessions get XX000, new connections hang', async () => {
    const idle = await connectClient(emu, { region: 'us-east-2' })
    const inTransaction = await connectClient(emu, { region: 'us-east-2' })
    await inTransaction.query('BEGIN')
    emu.isolate('us-east-2', { mode: 'blackhole', existing: 'error' })
    const unavailable = { code: 'XX000', message: 'server unavailable' }
    await expect(idle.query('SELECT 1')).rejects.toMatchObject(unavailable)
    await expect(inTransaction.query('SELECT 1')).rejects.toMatchObject(unavailable)
    await expect(inTransaction.query('ROLLBACK')).rejects.toMatchObject(unavailable)
    expect(await connectError(emu, { region: 'us-east-2', connectionTimeoutMillis: 300 })).toMatchObject({
      message: expect.stringMatching(/timeout/i),
    })
    emu.heal('us-east-2')
    // The failed transaction is still open on the backend; the client ends it as after any error.
    await inTransaction.query('ROLLBACK')
    expect((await idle.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect((await inTransaction.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await Promise.all([idle.end(), inTransaction.end()])
  })

  it.each([
    ['refuse', 'error'],
    ['blackhole', 'drop'],
  ] as const)('isolates in %s mode with existing sessions %s', async (mode, existing) => {
    const client = await connectClient(emu, { region: 'us-east-1' })
    emu.isolate('us-east-1', { mode, existing })
    if (existing === 'drop') {
      await ended(client)
    } else {
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: 'XX000' })
    }
    const error = await connectError(emu, { region: 'us-east-1', connectionTimeoutMillis: 300 })
    expect(error.message).toMatch(
      mode === 'refuse' ? /ECONNRESET|read ECONNRESET|Connection terminated/ : /timeout/i,
    )
    emu.heal('us-east-1')
    const fresh = await connectClient(emu, { region: 'us-east-1' })
    await fresh.end()
    await client.end().catch(() => undefined)
  })
})
