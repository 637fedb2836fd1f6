import { afterEach, describe, expect, it, vi } from 'vitest'
import { instrumentPool } from '../../../src/adapters/emf.js'
import { DsqlConfigError } from '../../../src/index.js'
import { EventTally, type ObservedPool } from '../../../src/observability/index.js'
import { emfProblems } from '../../support/emf-schema.js'

/** A pool as the adapter sees it: a tally behind stats() and observe(), no database. */
function fakePool(): ObservedPool & { tally: EventTally } {
  const tally = new EventTally()
  return {
    tally,
    observe: (observer) => tally.observe(observer),
    stats: () => ({
      pool: { total: 2, idle: 1, waiting: 0, max: 10, min: 0 },
      database: 'postgres',
      endpoints: [
        {
          host: 'abc.dsql.us-east-1.on.aws',
          region: 'us-east-1',
          port: 5432,
          healthy: true,
          preferred: true,
          latencyMs: 4,
          openConnections: 2,
          usedConnections: 1,
        },
      ],
      counters: tally.counters([]),
      histograms: {
        checkoutWaitSec: tally.checkoutWaitSec.snapshot(),
        connectSec: tally.connectSec.snapshot(),
        useSec: tally.useSec.snapshot(),
        transactionAttempts: tally.transactionAttempts.snapshot(),
      },
    }),
  }
}

const capture = () => {
  const lines: Record<string, unknown>[] = []
  return {
    lines,
    write(chunk: string) {
      for (const line of chunk.split('\n').filter(Boolean)) {
        expect(emfProblems(line)).toEqual([])
        lines.push(JSON.parse(line))
      }
      return true
    },
  }
}

describe('pg-dsql/emf instrumentPool', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('writes on its interval the counts since the last lines, then at the end', () => {
    vi.useFakeTimers()
    const pool = fakePool()
    const stream = capture()
    instrumentPool(pool, { stream, flushIntervalMs: 1000 })
    pool.tally.connected(3)
    pool.tally.checkedOut(2)
    vi.advanceTimersByTime(1000)
    pool.tally.connected(4)
    vi.advanceTimersByTime(1000)
    pool.tally.ended()
    const poolLines = stream.lines.filter((line) => line.Endpoint === undefined)
    expect(poolLines.map((line) => line.ConnectionsOpened)).toEqual([1, 1, 0])
    expect(poolLines.map((line) => line.ConnectionCreateTime)).toEqual([0.003, 0.004, undefined])
    expect(poolLines[0]?.CheckoutWaitTime).toBe(0.002)
    expect(stream.lines.find((line) => line.Endpoint !== undefined)).toMatchObject({
      Pool: 'abc.dsql.us-east-1.on.aws:5432/postgres',
      Region: 'us-east-1',
      EndpointLatency: 0.004,
      EndpointConnections: 2,
    })
    // Ended: no more lines from the timer.
    vi.advanceTimersByTime(5000)
    expect(stream.lines.filter((line) => line.Endpoint === undefined)).toHaveLength(3)
  })

  it.each([
    [{ namespace: '' }, 'namespace'],
    [{ dimensions: Object.fromEntries(Array.from({ length: 28 }, (_, i) => [`D${i}`, 'x'])) }, 'dimensions'],
    [{ dimensions: { Pool: 'mine' } }, 'dimensions'],
    [{ flushIntervalMs: 0 }, 'flushIntervalMs'],
    [{ samplesPerInterval: 0.5 }, 'samplesPerInterval'],
  ])('refuses %j, naming the option', (options, option) => {
    expect(() => instrumentPool(fakePool(), options)).toThrow(DsqlConfigError)
    try {
      instrumentPool(fakePool(), options)
    } catch (error) {
      expect((error as DsqlConfigError).option).toBe(option)
    }
  })

  it('refuses a pool that is not a DsqlPool', () => {
    expect(() => instrumentPool({} as ObservedPool)).toThrow(/needs a DsqlPool/)
  })
})
