import type pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient, connectError } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

function ended(client: pg.Client): Promise<void> {
  return new Promise((resolve) => client.once('end', () => resolve()))
}

describe('emulator connection limits', () => {
  let emu: Emulator | undefined

  afterEach(async () => {
    await emu?.stop()
    emu = undefined
  })

  it('refuses connections over maxConnections with 53300 and takes them again after one closes', async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'], maxConnections: 2 })
    const first = await connectClient(emu)
    const second = await connectClient(emu)
    expect(await connectError(emu)).toMatchObject({
      code: '53300',
      severity: 'FATAL',
      message: 'Unable to accept connection, too many open connections.',
    })
    await first.end()
    await expect.poll(() => emu!.stats().cluster.ClusterConnectionCount).toBe(1)
    const third = await connectClient(emu)
    await Promise.all([second.end(), third.end()])
    expect(emu.stats().cluster.TooManyConnections).toBe(1)
  })

  it('refuses connections over the rate with 53400 once the burst is spent', async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'], connectRate: { perSec: 0.01, burst: 3 } })
    const clients = [await connectClient(emu), await connectClient(emu), await connectClient(emu)]
    expect(await connectError(emu)).toMatchObject({
      code: '53400',
      severity: 'FATAL',
      message: 'Unable to accept connection, rate exceeded.',
    })
    await Promise.all(clients.map((c) => c.end()))
    expect(emu.stats().cluster.RateExceeded).toBe(1)
  })

  it('refills the rate bucket in real time after the clock is wound back (issue 12)', async () => {
    // A bucket of one that refills within a microsecond: every connect after the first finds
    // it full again, unless it is waiting for the emulator's clock to catch up.
    emu = await startTestEmulator({ regions: ['us-east-1'], connectRate: { perSec: 1e9, burst: 1 } })
    emu.setClockOffset(120)
    await (await connectClient(emu)).end()
    emu.setClockOffset(0)
    for (let i = 0; i < 3; i++) await (await connectClient(emu)).end()
    expect(emu.stats().cluster.RateExceeded).toBe(0)
  })

  it('counts the rate per Region endpoint', async () => {
    emu = await startTestEmulator({ connectRate: { perSec: 0.01, burst: 1 } })
    const east1 = await connectClient(emu, { region: 'us-east-1' })
    const east2 = await connectClient(emu, { region: 'us-east-2' })
    expect(await connectError(emu, { region: 'us-east-1' })).toMatchObject({ code: '53400' })
    await Promise.all([east1.end(), east2.end()])
  })

  it('closes an idle session at the age limit without an ErrorResponse', async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'], maxConnectionAgeSec: 3600 })
    const client = await connectClient(emu)
    const closing = ended(client)
    emu.setClockOffset(3599)
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    emu.setClockOffset(3601)
    await closing
    expect(client.errors.map((e) => [e.message, (e as { code?: string }).code])).toEqual([
      ['Connection terminated unexpectedly', undefined],
    ])
  })

  it('closes a session in a transaction when the transaction ends, and the commit holds', async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'], maxConnectionAgeSec: 60 })
    const table = `limits_age_${process.pid}`
    const client = await connectClient(emu)
    await client.query(`DROP TABLE IF EXISTS ${table}`)
    await client.query(`CREATE TABLE ${table} (id int)`)
    await client.query('BEGIN')
    const closing = ended(client)
    emu.setClockOffset(120)
    await client.query(`INSERT INTO ${table} VALUES (1)`)
    await client.query('COMMIT')
    await closing
    emu.setClockOffset(0)
    const check = await connectClient(emu)
    expect((await check.query(`SELECT count(*)::int AS n FROM ${table}`)).rows).toEqual([{ n: 1 }])
    await check.query(`DROP TABLE ${table}`)
    await check.end()
  })
})
