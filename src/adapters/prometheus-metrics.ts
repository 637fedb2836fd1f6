import type { DsqlPoolStats, HistogramSnapshot } from '../observability/index.js'
import { COUNTERS } from './counter-catalog.js'

/** A pool as a registry's collectors see it: its `pool` label and its current stats. */
export interface LabelledStats {
  readonly pool: string
  readonly stats: DsqlPoolStats
}

/** One sample line of the exposition, as prom-client's `get()` returns it. */
export interface PromValue {
  readonly value: number
  readonly labels: Readonly<Record<string, string | number>>
  readonly metricName?: string
}

/** A metric family: its name after the prefix, type, help, and how to read it from every pool. */
export interface FamilySpec {
  readonly name: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly help: string
  values(pools: readonly LabelledStats[], fullName: string): PromValue[]
}

const perPool =
  (read: (stats: DsqlPoolStats) => number) =>
  (pools: readonly LabelledStats[]): PromValue[] =>
    pools.map(({ pool, stats }) => ({ value: read(stats), labels: { pool } }))

const perEndpoint =
  (read: (endpoint: DsqlPoolStats['endpoints'][number]) => number | undefined) =>
  (pools: readonly LabelledStats[]): PromValue[] =>
    pools.flatMap(({ pool, stats }) =>
      stats.endpoints.flatMap((endpoint) => {
        const value = read(endpoint)
        return value === undefined
          ? []
          : [{ value, labels: { pool, endpoint: endpoint.host, region: endpoint.region } }]
      }),
    )

/** A histogram's `_bucket` (cumulative, `le`), `_sum` and `_count` lines. */
function histogramValues(
  pools: readonly LabelledStats[],
  fullName: string,
  pick: (stats: DsqlPoolStats) => HistogramSnapshot,
): PromValue[] {
  return pools.flatMap(({ pool, stats }) => {
    const histogram = pick(stats)
    const lines: PromValue[] = []
    let cumulative = 0
    histogram.boundaries.forEach((bound, i) => {
      cumulative += histogram.counts[i] ?? 0
      lines.push({ metricName: `${fullName}_bucket`, value: cumulative, labels: { pool, le: bound } })
    })
    lines.push({ metricName: `${fullName}_bucket`, value: histogram.count, labels: { pool, le: '+Inf' } })
    lines.push({ metricName: `${fullName}_sum`, value: histogram.sum, labels: { pool } })
    lines.push({ metricName: `${fullName}_count`, value: histogram.count, labels: { pool } })
    return lines
  })
}

/** Every family the Prometheus adapter registers, in exposition order. */
export const FAMILIES: readonly FamilySpec[] = [
  {
    name: 'pool_connections',
    type: 'gauge',
    help: 'Open connections by endpoint and state (idle or used).',
    values: (pools) =>
      pools.flatMap(({ pool, stats }) =>
        stats.endpoints.flatMap((e) => [
          { value: e.usedConnections, labels: { pool, endpoint: e.host, region: e.region, state: 'used' } },
          {
            value: e.openConnections - e.usedConnections,
            labels: { pool, endpoint: e.host, region: e.region, state: 'idle' },
          },
        ]),
      ),
  },
  {
    name: 'pool_connections_max',
    type: 'gauge',
    help: 'The pool max option.',
    values: perPool((s) => s.pool.max),
  },
  {
    name: 'pool_connections_min',
    type: 'gauge',
    help: 'The pool min option.',
    values: perPool((s) => s.pool.min),
  },
  {
    name: 'pool_pending_requests',
    type: 'gauge',
    help: 'Calls waiting for a connection.',
    values: perPool((s) => s.pool.waiting),
  },
  {
    name: 'pool_checkout_timeouts_total',
    type: 'counter',
    help: 'Checkouts that gave up after connectionTimeoutMillis.',
    values: perPool((s) => s.counters.checkoutTimeouts),
  },
  ...COUNTERS.map(
    (spec): FamilySpec => ({
      name: spec.prom,
      type: 'counter',
      help: spec.help,
      values: (pools) =>
        pools.flatMap(({ pool, stats }) => {
          const counts = spec.read(stats.counters)
          const label = spec.label
          if (label === undefined) return [{ value: counts[0] ?? 0, labels: { pool } }]
          return label.values.map((value, i) => ({
            value: counts[i] ?? 0,
            labels: { pool, [label.prom]: value },
          }))
        }),
    }),
  ),
  {
    name: 'endpoint_up',
    type: 'gauge',
    help: '1 while the endpoint is healthy, 0 while it is down.',
    values: perEndpoint((e) => (e.healthy ? 1 : 0)),
  },
  {
    name: 'endpoint_preferred',
    type: 'gauge',
    help: '1 for the endpoint new connections go to.',
    values: perEndpoint((e) => (e.preferred ? 1 : 0)),
  },
  {
    name: 'endpoint_latency_seconds',
    type: 'gauge',
    help: 'Smoothed probe round trip to the endpoint (EWMA).',
    values: perEndpoint((e) => (e.latencyMs === undefined ? undefined : e.latencyMs / 1000)),
  },
  {
    name: 'checkout_wait_seconds',
    type: 'histogram',
    help: 'Time from asking for a connection to getting one.',
    values: (pools, full) => histogramValues(pools, full, (s) => s.histograms.checkoutWaitSec),
  },
  {
    name: 'connection_create_seconds',
    type: 'histogram',
    help: 'Time to open a connection (TCP, TLS, IAM authentication).',
    values: (pools, full) => histogramValues(pools, full, (s) => s.histograms.connectSec),
  },
  {
    name: 'connection_use_seconds',
    type: 'histogram',
    help: 'Time a connection stayed checked out.',
    values: (pools, full) => histogramValues(pools, full, (s) => s.histograms.useSec),
  },
  {
    name: 'transaction_attempts',
    type: 'histogram',
    help: 'Attempts each transaction() took.',
    values: (pools, full) => histogramValues(pools, full, (s) => s.histograms.transactionAttempts),
  },
]
