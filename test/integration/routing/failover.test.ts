import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlEvent, DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTwoRegions, startWorkload, until } from './workload.js'

type Emulator = Awaited<ReturnType<typeof startTwoRegions>>

/**
 * Failover and failback through the emulator's two Regions under steady load: the app sees no
 * error for retryable work, and the test reports how long each move took.
 */
describe('failover and failback', () => {
  let emulator: Emulator
  const table = `routing_counters_${process.pid}`

  beforeAll(async () => {
    emulator = await startTwoRegions(table, 15)
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  // Bounds from the issue: under 2 s for refused connections; under the connection timeout
  // (5 s by default) plus 1 s for a black hole, which only timeouts reveal.
  it.each([
    ['refuse', 'drop', 2000],
    ['blackhole', 'drop', 5000 + 1000],
    ['blackhole', 'error', 5000 + 1000],
  ] as const)(
    'moves the load to the far Region when the near one is isolated (%s, existing sessions %s)',
    async (mode, existing, boundMs) => {
      const events: DsqlEvent[] = []
      // The near Region first: the pool settles there, as the latency strategy would.
      const pool = new DsqlPool(
        optionsFor(emulator, {
          max: 8,
          routing: { strategy: 'ordered' },
          onEvent: (event) => events.push(event),
        }),
      )
      const load = startWorkload(pool, table)
      try {
        await until(() => load.log.served.some((s) => s.region === 'us-east-1'), 10_000, 'load on us-east-1')
        const isolatedAt = performance.now()
        emulator.isolate('us-east-1', { mode, existing })
        await until(
          () => load.log.served.some((s) => s.at > isolatedAt && s.region === 'us-east-2'),
          boundMs + 5000,
          'load on us-east-2',
        )
        const failoverMs =
          (load.log.served.find((s) => s.at > isolatedAt && s.region === 'us-east-2')?.at ?? Number.NaN) -
          isolatedAt
        console.log(
          `failover (${mode}, existing ${existing}): the far Region served the load ${failoverMs.toFixed(0)} ms after isolation`,
        )
        expect(failoverMs).toBeLessThan(boundMs)
        expect(
          events.some(
            (e) => e.type === 'failover' && e.fromRegion === 'us-east-1' && e.toRegion === 'us-east-2',
          ),
        ).toBe(true)

        const healedAt = performance.now()
        emulator.heal('us-east-1')
        // Failback bound: a down endpoint is probed at least every 2 s, then must stay healthy
        // failbackAfterMs (1.5 s); busy connections move as they are released.
        await until(
          () => {
            const recent = load.log.served.filter((s) => s.at > healedAt && s.kind === 'write').slice(-10)
            return recent.length === 10 && recent.every((s) => s.region === 'us-east-1')
          },
          10_000,
          'load back on us-east-1',
        )
        const firstBack =
          load.log.served.find((s) => s.at > healedAt && s.region === 'us-east-1')?.at ?? Number.NaN
        console.log(
          `failback (${mode}, existing ${existing}): us-east-1 served again ${(firstBack - healedAt).toFixed(0)} ms after heal`,
        )
        expect(firstBack - healedAt).toBeLessThan(5000 + 1500)
        expect(events.some((e) => e.type === 'failback' && e.toRegion === 'us-east-1')).toBe(true)
      } finally {
        await load.stop()
        emulator.heal('us-east-1')
        await pool.end()
      }
      expect(load.log.errors.map((error) => `${(error as Error).name}: ${(error as Error).message}`)).toEqual(
        [],
      )
      expect(load.log.served.length).toBeGreaterThan(50)
    },
  )
})
