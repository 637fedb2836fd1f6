import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlEvent, DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { longestGapMs, startTwoRegions, startWorkload, until } from './workload.js'

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

  it('abandons the connects under way to a Region that went dark, instead of waiting out their timeout', async () => {
    const pool = new DsqlPool(optionsFor(emulator, { max: 16, routing: { strategy: 'ordered' } }))
    try {
      // One connection to the near Region, idle; then it goes dark while more are needed at once.
      await pool.query('SELECT 1')
      expect(pool.routing().preferred).toMatch(/us-east-1/)
      const isolatedAt = performance.now()
      emulator.isolate('us-east-1', { mode: 'blackhole', existing: 'error' })
      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => pool.query('SELECT 1')))
      const servedMs = performance.now() - isolatedAt
      console.log(
        `blackhole with connects under way: all 8 reads served ${servedMs.toFixed(0)} ms after isolation`,
      )
      expect(outcomes.map((outcome) => outcome.status)).toEqual(Array(8).fill('fulfilled'))
      // The connect timeout is 5 s: waiting it out would take longer than this.
      expect(servedMs).toBeLessThan(2500)
    } finally {
      emulator.heal('us-east-1')
      await pool.end()
    }
  })

  // Bounds: under 2 s for refused connections; a black hole is found by a probe that gets no
  // answer (probeTimeoutMs, 1 s), and connects under way to it are abandoned then, not at the
  // connect timeout (5 s). The longest stretch with nothing served is reported (the target: 1.5 s).
  //
  // With `maxUses: 3`, connections come and go all the time, so connects are under way to the
  // near Region when it goes dark: those are what used to wait out the connect timeout.
  it.each([
    ['refuse', 'drop', 2000, {}],
    ['blackhole', 'drop', 2500, {}],
    ['blackhole', 'error', 2500, {}],
    ['blackhole', 'drop', 2500, { maxUses: 3 }],
    ['blackhole', 'error', 2500, { maxUses: 3 }],
  ] as const)(
    'moves the load to the far Region when the near one is isolated (%s, existing sessions %s, %j)',
    async (mode, existing, boundMs, poolOptions) => {
      const events: DsqlEvent[] = []
      // The near Region first: the pool settles there, as the latency strategy would.
      const pool = new DsqlPool(
        optionsFor(emulator, {
          max: 8,
          ...poolOptions,
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
        // Let the load run on the far Region for a while, to see any stall after the first success.
        const settledAt = performance.now() + 1000
        await until(() => performance.now() > settledAt, 5000, 'load on the far Region for a second')
        const gapMs = longestGapMs(load.log, isolatedAt, settledAt)
        console.log(
          `failover (${mode}, existing ${existing}): the far Region served the load ${failoverMs.toFixed(0)} ms after isolation; ` +
            `longest stretch with nothing served ${gapMs.toFixed(0)} ms`,
        )
        expect(failoverMs).toBeLessThan(boundMs)
        expect(gapMs).toBeLessThan(boundMs)
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
