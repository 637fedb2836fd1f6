import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

/** Runs `count` queries, 8 at a time, and returns how many each Region served (emulator stats). */
async function queriesByRegion(
  emulator: Emulator,
  pool: DsqlPool,
  count: number,
): Promise<Record<string, number>> {
  const before = emulator.stats().regions
  for (let done = 0; done < count; done += 8)
    await Promise.all(Array.from({ length: 8 }, () => pool.query('SELECT 1')))
  const after = emulator.stats().regions
  return Object.fromEntries(
    Object.keys(after).map((region) => [
      region,
      (after[region]?.QueryCount ?? 0) - (before[region]?.QueryCount ?? 0),
    ]),
  )
}

describe('routing strategies', () => {
  let emulator: Emulator
  const savedRegion = process.env.AWS_REGION

  beforeAll(async () => {
    emulator = await startTestEmulator({ latencyMs: { 'us-east-1': 1, 'us-east-2': 10 } })
  })

  afterAll(async () => {
    if (savedRegion === undefined) delete process.env.AWS_REGION
    else process.env.AWS_REGION = savedRegion
    await emulator?.stop()
  })

  it('local-first sends everything to the endpoint in AWS_REGION while it is healthy', async () => {
    // This file runs in its own worker process; AWS_REGION names the app's own Region.
    process.env.AWS_REGION = 'us-east-2'
    const pool = new DsqlPool(optionsFor(emulator, { routing: { strategy: 'local-first' } }))
    try {
      const served = await queriesByRegion(emulator, pool, 200)
      expect(served['us-east-2']).toBe(200)
      expect(served['us-east-1']).toBe(0)
      expect(pool.routing()).toMatchObject({
        strategy: 'local-first',
        preferred: emulator.endpoints[1]?.host,
      })
    } finally {
      await pool.end()
    }
  })

  it('ordered takes the first endpoint listed, whatever the latency', async () => {
    const [east1, east2] = emulator.endpoints
    if (east1 === undefined || east2 === undefined) throw new Error('two endpoints expected')
    const reversed = [east2, east1].map((e) => `${e.host}@${e.address}:${e.port}`)
    const pool = new DsqlPool(optionsFor(emulator, { endpoints: reversed, routing: { strategy: 'ordered' } }))
    try {
      const served = await queriesByRegion(emulator, pool, 200)
      expect(served).toEqual({ 'us-east-1': 0, 'us-east-2': 200 })
    } finally {
      await pool.end()
    }
  })

  it('takes the strategy from DSQL_ROUTING when the option names none', async () => {
    process.env.DSQL_ROUTING = 'ordered'
    try {
      const pool = new DsqlPool(optionsFor(emulator))
      expect(pool.routing().strategy).toBe('ordered')
      await pool.end()
      process.env.DSQL_ROUTING = 'fastest'
      expect(() => new DsqlPool(optionsFor(emulator))).toThrow(/DSQL_ROUTING is "fastest"/)
    } finally {
      delete process.env.DSQL_ROUTING
    }
  })

  it('reports each endpoint in pool.routing()', async () => {
    const pool = new DsqlPool(optionsFor(emulator, { max: 4, routing: { strategy: 'ordered' } }))
    try {
      await Promise.all(Array.from({ length: 4 }, () => pool.query('SELECT pg_sleep(0.02)')))
      const snapshot = pool.routing()
      expect(snapshot.endpoints).toEqual([
        expect.objectContaining({ region: 'us-east-1', healthy: true, preferred: true, openConnections: 4 }),
        expect.objectContaining({ region: 'us-east-2', healthy: true, preferred: false, openConnections: 0 }),
      ])
    } finally {
      await pool.end()
    }
  })
})
