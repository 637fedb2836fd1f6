import type { Writable } from 'node:stream'
import { DsqlConfigError } from '../errors/index.js'
import {
  type DsqlPoolStats,
  type ObservedPool,
  SAMPLE_NAMES,
  type SampleName,
} from '../observability/index.js'
import { COUNTERS } from './counter-catalog.js'
import { EMF_MAX_DIMENSIONS, type EmfMetric, type EmfUnit, emfLines } from './emf-lines.js'
import { defaultPoolName, observedPool } from './observed-pool.js'
import { SampleReservoir } from './sample-reservoir.js'

/** Options of `instrumentPool()` from `pg-dsql/emf`. */
export interface EmfOptions {
  /** Where the lines go. @default process.stdout (Lambda and the CloudWatch agent read it) */
  readonly stream?: Pick<Writable, 'write'>
  /** The CloudWatch namespace. @default `pg-dsql` */
  readonly namespace?: string
  /** Dimensions added to every metric (at most 27: `Pool`, `Endpoint` and `Region` are added). */
  readonly dimensions?: Readonly<Record<string, string>>
  /** How often to write, in milliseconds; and always at `pool.end()`. @default 60000 */
  readonly flushIntervalMs?: number
  /** The `Pool` dimension. @default `host:port/database` of the pool's first endpoint */
  readonly poolName?: string
  /** Observations kept per histogram per interval (reservoir sampling past it). @default 1000 */
  readonly samplesPerInterval?: number
  /** 1 for high-resolution metrics. @default 60 */
  readonly storageResolution?: 1 | 60
}

/** What `instrumentPool()` returns: `flush()` writes now; `stop()` flushes and stops. */
export interface EmfInstrumentation {
  readonly poolName: string
  flush(): void
  stop(): void
}

const SAMPLE_METRICS: Readonly<Record<SampleName, { readonly name: string; readonly unit: EmfUnit }>> = {
  checkoutWaitSec: { name: 'CheckoutWaitTime', unit: 'Seconds' },
  connectSec: { name: 'ConnectionCreateTime', unit: 'Seconds' },
  useSec: { name: 'ConnectionUseTime', unit: 'Seconds' },
  transactionAttempts: { name: 'TransactionAttempts', unit: 'Count' },
}

/**
 * Writes a DsqlPool's metrics as CloudWatch Embedded Metric Format lines: on an interval (its
 * timer never holds the process open) and at `pool.end()`. Counters are written as what
 * happened since the last line (CloudWatch sums them), pool and endpoint gauges as their current
 * values, and histograms as the interval's observations, so CloudWatch computes percentiles.
 */
export function instrumentPool(pool: ObservedPool, options: EmfOptions = {}): EmfInstrumentation {
  const observed = observedPool(pool, 'emf')
  const settings = checkOptions(options)
  const first = observed.stats()
  const poolName = options.poolName ?? defaultPoolName(first)
  const dimensions = { Pool: poolName, ...settings.dimensions }
  const reservoirs = Object.fromEntries(
    SAMPLE_NAMES.map((name) => [name, new SampleReservoir(settings.samplesPerInterval)]),
  ) as Record<SampleName, SampleReservoir>
  let last = first.counters
  let stopped = false

  const flush = () => {
    const stats = observed.stats()
    const timestampMs = Date.now()
    const lines = [
      ...emfLines({
        namespace: settings.namespace,
        dimensions,
        timestampMs,
        storageResolution: settings.storageResolution,
        metrics: [...poolMetrics(stats, last), ...sampleMetrics(reservoirs)],
      }),
      ...stats.endpoints.flatMap((endpoint) =>
        emfLines({
          namespace: settings.namespace,
          dimensions: { ...dimensions, Endpoint: endpoint.host, Region: endpoint.region },
          timestampMs,
          storageResolution: settings.storageResolution,
          metrics: [
            { name: 'EndpointHealthy', unit: 'None', values: [endpoint.healthy ? 1 : 0] },
            { name: 'EndpointPreferred', unit: 'None', values: [endpoint.preferred ? 1 : 0] },
            { name: 'EndpointConnections', unit: 'Count', values: [endpoint.openConnections] },
            ...(endpoint.latencyMs === undefined
              ? []
              : [{ name: 'EndpointLatency', unit: 'Seconds' as const, values: [endpoint.latencyMs / 1000] }]),
          ],
        }),
      ),
    ]
    last = stats.counters
    for (const line of lines) settings.stream.write(`${line}\n`)
  }

  // A stream that throws must not take the process down from a timer, nor pool.end() with it.
  let warned = false
  const flushSafely = () => {
    try {
      flush()
    } catch (error) {
      if (warned) return
      warned = true
      process.emitWarning(
        `pg-dsql/emf: writing metrics failed (${error instanceof Error ? error.name : typeof error}); later failures are ignored silently.`,
        { code: 'PG_DSQL_EMF_WRITE_FAILED' },
      )
    }
  }
  const timer = setInterval(flushSafely, settings.flushIntervalMs)
  timer.unref()
  const stopObserving = observed.observe({
    sample: (name, value) => reservoirs[name].add(value),
    ended: () => stop(),
  })
  const stop = () => {
    if (stopped) return
    stopped = true
    clearInterval(timer)
    stopObserving()
    flushSafely()
  }
  return { poolName, flush, stop }
}

/** Pool gauges now, and each counter's increase since `before`. */
function poolMetrics(stats: DsqlPoolStats, before: DsqlPoolStats['counters']): EmfMetric[] {
  const metrics: EmfMetric[] = [
    { name: 'PoolConnections', unit: 'Count', values: [stats.pool.total] },
    { name: 'PoolIdleConnections', unit: 'Count', values: [stats.pool.idle] },
    { name: 'PoolPendingRequests', unit: 'Count', values: [stats.pool.waiting] },
    { name: 'PoolMaxConnections', unit: 'Count', values: [stats.pool.max] },
    {
      name: 'CheckoutTimeouts',
      unit: 'Count',
      values: [stats.counters.checkoutTimeouts - before.checkoutTimeouts],
    },
  ]
  for (const spec of COUNTERS) {
    const now = spec.read(stats.counters)
    const then = spec.read(before)
    const names =
      spec.label === undefined ? [spec.emf] : spec.label.values.map((value) => spec.emf + pascal(value))
    names.forEach((name, i) => {
      metrics.push({ name, unit: 'Count', values: [(now[i] ?? 0) - (then[i] ?? 0)] })
    })
  }
  return metrics
}

function sampleMetrics(reservoirs: Record<SampleName, SampleReservoir>): EmfMetric[] {
  // Microseconds are all a clock difference means here; the digits past them only lengthen lines.
  return SAMPLE_NAMES.map((name) => ({
    ...SAMPLE_METRICS[name],
    values: reservoirs[name].take().map((value) => Math.round(value * 1e6) / 1e6),
  }))
}

function pascal(value: string): string {
  return value
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
}

function checkOptions(options: EmfOptions) {
  const namespace = options.namespace ?? 'pg-dsql'
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 256) {
    throw new DsqlConfigError(
      `pg-dsql/emf: namespace must be a string of 1 to 256 characters; got ${JSON.stringify(String(namespace).slice(0, 40))}.`,
      { option: 'namespace' },
    )
  }
  const dimensions = options.dimensions ?? {}
  const names = Object.keys(dimensions)
  // Pool, Endpoint and Region join the given dimensions on the endpoint lines.
  if (names.length > EMF_MAX_DIMENSIONS - 3) {
    throw new DsqlConfigError(
      `pg-dsql/emf: dimensions has ${names.length} entries; EMF allows ${EMF_MAX_DIMENSIONS} per metric and pg-dsql adds ` +
        `Pool, Endpoint and Region, so give at most ${EMF_MAX_DIMENSIONS - 3}.`,
      { option: 'dimensions' },
    )
  }
  for (const name of names) {
    if (typeof dimensions[name] !== 'string' || ['Pool', 'Endpoint', 'Region', '_aws'].includes(name)) {
      throw new DsqlConfigError(
        `pg-dsql/emf: dimension "${name}" must have a string value and not be Pool, Endpoint, Region or _aws.`,
        { option: 'dimensions' },
      )
    }
  }
  const flushIntervalMs = options.flushIntervalMs ?? 60_000
  if (!Number.isFinite(flushIntervalMs) || flushIntervalMs < 1) {
    throw new DsqlConfigError(
      `pg-dsql/emf: flushIntervalMs must be a positive number of milliseconds; got ${String(flushIntervalMs)}.`,
      { option: 'flushIntervalMs' },
    )
  }
  const samplesPerInterval = options.samplesPerInterval ?? 1000
  if (!Number.isInteger(samplesPerInterval) || samplesPerInterval < 1) {
    throw new DsqlConfigError(
      `pg-dsql/emf: samplesPerInterval must be a positive integer; got ${String(samplesPerInterval)}.`,
      { option: 'samplesPerInterval' },
    )
  }
  return {
    namespace,
    dimensions,
    flushIntervalMs,
    samplesPerInterval,
    stream: options.stream ?? process.stdout,
    storageResolution: options.storageResolution,
  }
}
