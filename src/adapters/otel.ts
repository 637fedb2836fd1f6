import {
  type Attributes,
  type BatchObservableResult,
  context,
  type Histogram,
  type Meter,
  type MeterProvider,
  metrics,
  type Observable,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api'
import {
  ATTEMPT_BUCKETS,
  type DsqlPoolStats,
  DURATION_BUCKETS_SEC,
  type ObservedPool,
  type SampleName,
} from '../observability/index.js'
import { VERSION } from '../version.js'
import { COUNTERS } from './counter-catalog.js'
import { defaultPoolName, observedPool, uniqueName } from './observed-pool.js'

/** Options of `instrumentPool()` from `pg-dsql/otel`. */
export interface OtelOptions {
  /** Where the instruments live. @default the global MeterProvider (`metrics.getMeterProvider()`) */
  readonly meterProvider?: MeterProvider
  /**
   * `db.client.connection.pool.name`. @default `host:port/database` of the pool's first endpoint,
   * with `#2`, `#3`… added when another instrumented pool has it
   */
  readonly poolName?: string
  /**
   * Runs each `transaction()` attempt in a `dsql.transaction` span (attributes
   * `dsql.transaction.attempt`, `dsql.transaction.retry`), so the query spans of
   * `@opentelemetry/instrumentation-pg` nest under the attempt they belong to.
   * @default the global TracerProvider (`trace.getTracerProvider()`); `false` traces nothing
   */
  readonly tracerProvider?: TracerProvider | false
}

/** What `instrumentPool()` returns: `stop()` removes its callbacks and observer. */
export interface PoolInstrumentation {
  readonly poolName: string
  stop(): void
}

const namesInUse = new WeakMap<MeterProvider, Set<string>>()

/**
 * Reports a DsqlPool through OpenTelemetry metrics: the database client connection-pool
 * instruments of the semantic conventions (`db.client.connection.*`) and pg-dsql's own
 * (`dsql.client.*`). Counts and gauges are observable: the meter reads `pool.stats()` when it
 * collects. Histograms hear each observation through `pool.observe()`. Query durations
 * (`db.client.operation.duration`) are left to `@opentelemetry/instrumentation-pg`, which sees
 * every query a DsqlPool runs.
 */
export function instrumentPool(pool: ObservedPool, options: OtelOptions = {}): PoolInstrumentation {
  const observed = observedPool(pool, 'otel')
  const provider = options.meterProvider ?? metrics.getMeterProvider()
  const meter = provider.getMeter('pg-dsql', VERSION)
  const first = observed.stats()
  const taken = namesInUse.get(provider) ?? new Set<string>()
  namesInUse.set(provider, taken)
  const poolName = options.poolName ?? uniqueName(defaultPoolName(first), taken)
  taken.add(poolName)
  const home = first.endpoints[0]
  // The pool's attributes; server.address and cloud.region are its first endpoint's (per-endpoint
  // instruments carry each endpoint's own).
  const poolAttributes: Attributes = Object.freeze({
    'db.system.name': 'postgresql',
    'db.client.connection.pool.name': poolName,
    ...(home === undefined ? {} : { 'server.address': home.host, 'cloud.region': home.region }),
  })
  const observables = observableInstruments(meter)
  const collect = (result: BatchObservableResult) =>
    record(result, observables, observed.stats(), poolAttributes)
  meter.addBatchObservableCallback(collect, Object.values(observables.all))
  const histograms = histogramInstruments(meter)
  const tracer =
    options.tracerProvider === false
      ? undefined
      : (options.tracerProvider ?? trace.getTracerProvider()).getTracer('pg-dsql', VERSION)
  const stopObserving = observed.observe({
    sample: (name, value) => histograms[name].record(value, poolAttributes),
    ...(tracer === undefined
      ? {}
      : {
          startAttempt: ({ attempt, readOnly }) => {
            const span = tracer.startSpan('dsql.transaction', {
              attributes: {
                ...poolAttributes,
                'dsql.transaction.attempt': attempt,
                'dsql.transaction.retry': attempt > 1,
                'dsql.transaction.read_only': readOnly,
              },
            })
            const inSpan = trace.setSpan(context.active(), span)
            return {
              run: (run) => context.with(inSpan, run),
              end: ({ committed, error }) => {
                if (!committed && error !== undefined) {
                  span.setAttribute('error.type', error.code ?? error.name)
                  span.setStatus({ code: SpanStatusCode.ERROR })
                }
                span.end()
              },
            }
          },
        }),
  })
  let stopped = false
  return {
    poolName,
    stop() {
      if (stopped) return
      stopped = true
      meter.removeBatchObservableCallback(collect, Object.values(observables.all))
      stopObserving()
      taken.delete(poolName)
    },
  }
}

function observableInstruments(meter: Meter) {
  const upDown = (name: string, unit: string, description: string) =>
    meter.createObservableUpDownCounter(name, { unit, description })
  const semconv = {
    count: upDown(
      'db.client.connection.count',
      '{connection}',
      'The number of connections that are currently in the state described by the state attribute.',
    ),
    idleMax: upDown(
      'db.client.connection.idle.max',
      '{connection}',
      'The maximum number of idle open connections allowed.',
    ),
    idleMin: upDown(
      'db.client.connection.idle.min',
      '{connection}',
      'The minimum number of idle open connections allowed.',
    ),
    max: upDown(
      'db.client.connection.max',
      '{connection}',
      'The maximum number of open connections allowed (the name before semconv 1.37).',
    ),
    limit: upDown(
      'db.client.connection.limit',
      '{connection}',
      'The maximum number of open connections allowed.',
    ),
    pending: upDown(
      'db.client.connection.pending_requests',
      '{request}',
      'The number of current pending requests for an open connection.',
    ),
    timeouts: meter.createObservableCounter('db.client.connection.timeouts', {
      unit: '{timeout}',
      description:
        'The number of connection timeouts that have occurred trying to obtain a connection from the pool.',
    }),
  }
  const endpoint = {
    latency: meter.createObservableGauge('dsql.client.endpoint.latency', {
      unit: 's',
      description: 'Smoothed probe round trip to the endpoint (EWMA).',
    }),
    healthy: meter.createObservableGauge('dsql.client.endpoint.healthy', {
      unit: '1',
      description: '1 while the endpoint is healthy, 0 while it is down.',
    }),
    preferred: meter.createObservableGauge('dsql.client.endpoint.preferred', {
      unit: '1',
      description: '1 for the endpoint new connections go to.',
    }),
  }
  const counters = COUNTERS.map((spec) => ({
    spec,
    instrument: meter.createObservableCounter(spec.otel, { unit: spec.otelUnit, description: spec.help }),
  }))
  const all: Record<string, Observable> = { ...semconv, ...endpoint }
  for (const { spec, instrument } of counters) all[spec.otel] = instrument
  return { semconv, endpoint, counters, all }
}

type Observables = ReturnType<typeof observableInstruments>

function record(result: BatchObservableResult, o: Observables, stats: DsqlPoolStats, pool: Attributes): void {
  const { semconv } = o
  const poolName = pool['db.client.connection.pool.name']
  for (const endpoint of stats.endpoints) {
    const at: Attributes = {
      'db.system.name': 'postgresql',
      'db.client.connection.pool.name': poolName,
      'server.address': endpoint.host,
      'cloud.region': endpoint.region,
    }
    const used = endpoint.usedConnections
    result.observe(semconv.count, used, { ...at, 'db.client.connection.state': 'used' })
    result.observe(semconv.count, endpoint.openConnections - used, {
      ...at,
      'db.client.connection.state': 'idle',
    })
    if (endpoint.latencyMs !== undefined) result.observe(o.endpoint.latency, endpoint.latencyMs / 1000, at)
    result.observe(o.endpoint.healthy, endpoint.healthy ? 1 : 0, at)
    result.observe(o.endpoint.preferred, endpoint.preferred ? 1 : 0, at)
  }
  result.observe(semconv.idleMax, stats.pool.max, pool)
  result.observe(semconv.idleMin, stats.pool.min, pool)
  result.observe(semconv.max, stats.pool.max, pool)
  result.observe(semconv.limit, stats.pool.max, pool)
  result.observe(semconv.pending, stats.pool.waiting, pool)
  result.observe(semconv.timeouts, stats.counters.checkoutTimeouts, pool)
  for (const { spec, instrument } of o.counters) {
    const values = spec.read(stats.counters)
    const label = spec.label
    if (label === undefined) result.observe(instrument, values[0] ?? 0, pool)
    else
      label.values.forEach((value, i) => {
        result.observe(instrument, values[i] ?? 0, { ...pool, [label.otel]: value })
      })
  }
}

function histogramInstruments(meter: Meter): Record<SampleName, Histogram> {
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, {
      unit: 's',
      description,
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SEC] },
    })
  return {
    connectSec: seconds('db.client.connection.create_time', 'The time it took to create a new connection.'),
    checkoutWaitSec: seconds(
      'db.client.connection.wait_time',
      'The time it took to obtain an open connection from the pool.',
    ),
    useSec: seconds(
      'db.client.connection.use_time',
      'The time between borrowing a connection and returning it to the pool.',
    ),
    transactionAttempts: meter.createHistogram('dsql.client.transaction.attempts', {
      unit: '{attempt}',
      description: 'Attempts each transaction() took, whatever its outcome.',
      advice: { explicitBucketBoundaries: [...ATTEMPT_BUCKETS] },
    }),
  }
}
