import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlEvent, DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTwoRegions, startWorkload, until } from './workload.js'

type Emulator = Awaited<ReturnType<typeof startTwoRegions>>

describe('a flapping Region', () => {
  let emulator: Emulator
  const table = `flap_counters_${process.pid}`

  beforeAll(async () => {
    emulator = await startTwoRegions(table, 10)
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('keeps connection attempts bounded, crashes nothing and leaks no connection', async () => {
    const events: DsqlEvent[] = []
    const max = 8
    const pool = new DsqlPool(
      optionsFor(emulator, { max, routing: { strategy: 'ordered' }, onEvent: (event) => events.push(event) }),
    )
    const load = startWorkload(pool, table)
    const startedAt = performance.now()
    try {
      // Isolate and heal the near Region every second for 10 s.
      for (let second = 0; second < 10; second++) {
        if (second % 2 === 0) emulator.isolate('us-east-1', { mode: 'refuse', existing: 'drop' })
        else emulator.heal('us-east-1')
        await new Promise((resolve) => setTimeout(resolve, 1000))
      }
      emulator.heal('us-east-1')
    } finally {
      await load.stop()
    }
    const attempts = events.filter((e) => e.type === 'connect' || e.type === 'connect.error')
    const elapsedSec = (performance.now() - startedAt) / 1000
    console.log(
      `flapping: ${attempts.length} connection attempts in ${elapsedSec.toFixed(1)} s, ${load.log.served.length} units of work served, ${load.log.errors.length} failed`,
    )
    // At most a pool's worth of new connections per flap, two flaps a second, and the retries.
    expect(attempts.length / elapsedSec).toBeLessThan(4 * max)
    expect(load.log.served.length).toBeGreaterThan(100)
    expect(pool.totalCount).toBeLessThanOrEqual(max)
    await pool.end()
    // Every connection the pool opened is closed on the server too (it hears the close a moment later).
    await until(() => emulator.stats().cluster.ClusterConnectionCount === 0, 5000, 'every session closed')
    expect(emulator.stats().cluster.BackendSessions).toBe(0)
  })
})
