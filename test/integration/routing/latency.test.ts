import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

describe('latency routing', () => {
  let emulator: Emulator

  beforeAll(async () => {
    emulator = await startTestEmulator({ latencyMs: { 'us-east-1': 2, 'us-east-2': 40 } })
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('runs at least 95% of queries in the near Region, whatever the order of endpoints', async () => {
    const [east1, east2] = emulator.endpoints
    if (east1 === undefined || east2 === undefined) throw new Error('two endpoints expected')
    // The far Region listed first: only the measurements can put the load in the near one.
    const endpoints = [east2, east1].map((e) => `${e.host}@${e.address}:${e.port}`)
    const pool = new DsqlPool(optionsFor(emulator, { endpoints, max: 8 }))
    const before = emulator.stats().regions
    try {
      for (let batch = 0; batch < 150; batch++)
        await Promise.all(Array.from({ length: 8 }, () => pool.query('SELECT 1')))
      const after = emulator.stats().regions
      const near = (after['us-east-1']?.QueryCount ?? 0) - (before['us-east-1']?.QueryCount ?? 0)
      const far = (after['us-east-2']?.QueryCount ?? 0) - (before['us-east-2']?.QueryCount ?? 0)
      console.log(`latency routing: ${near} queries in us-east-1 (2 ms), ${far} in us-east-2 (40 ms)`)
      expect(near + far).toBe(1200)
      expect(near / (near + far)).toBeGreaterThanOrEqual(0.95)
      const snapshot = pool.routing()
      expect(snapshot.preferred).toBe(east1.host)
      const [farState, nearState] = snapshot.endpoints
      expect(nearState?.latencyMs).toBeLessThan(farState?.latencyMs ?? 0)
    } finally {
      await pool.end()
    }
  })
})
