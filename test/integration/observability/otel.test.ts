import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instrumentPool } from '../../../src/adapters/otel.js'
import { DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'
import { OTEL_INSTRUMENTS } from './metric-readers.js'
import { runScriptedWorkload, type Workload } from './scripted-workload.js'

const root = resolve(import.meta.dirname, '../../..')
const run = promisify(execFile)

interface Point {
  readonly attributes: Record<string, unknown>
  readonly value: unknown
}

describe('pg-dsql/otel', () => {
  let emulator: Emulator
  let workload: Workload
  let exporter: InMemoryMetricExporter
  let reader: PeriodicExportingMetricReader
  let metricsByName: Map<string, { unit: string; points: Point[] }>

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
    exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
    const meterProvider = new MeterProvider({ readers: [reader] })
    workload = await runScriptedWorkload(emulator, 'obs_otel_items', (pool, name) => {
      instrumentPool(pool, { meterProvider, poolName: name, tracerProvider: false })
    })
    await reader.forceFlush()
    metricsByName = new Map()
    for (const resourceMetrics of exporter.getMetrics()) {
      for (const scope of resourceMetrics.scopeMetrics) {
        expect(scope.scope.name).toBe('pg-dsql')
        for (const metric of scope.metrics) {
          metricsByName.set(metric.descriptor.name, {
            unit: metric.descriptor.unit,
            points: metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })),
          })
        }
      }
    }
  })

  afterAll(async () => {
    await Promise.allSettled([workload?.pool.end(), workload?.refused.end()])
    await reader?.shutdown()
    await emulator?.stop()
  })

  const sumOf = (name: string, where: Record<string, unknown> = {}) =>
    (metricsByName.get(name)?.points ?? [])
      .filter((p) => Object.entries(where).every(([key, value]) => p.attributes[key] === value))
      .reduce((total, p) => total + (typeof p.value === 'number' ? p.value : 0), 0)

  it('creates the semantic-convention and dsql.client instruments with their units', () => {
    const units = Object.fromEntries([...metricsByName].map(([name, { unit }]) => [name, unit]))
    // Histograms appear once observed; the latency gauge once a probe answered (one endpoint: none).
    const { 'dsql.client.endpoint.latency': _latency, ...expected } = OTEL_INSTRUMENTS
    expect(units).toEqual(expected)
    expect(metricsByName.has('db.client.operation.duration')).toBe(false)
  })

  it("matches the emulator's counts after the scripted workload with faults", () => {
    const { truth } = workload
    expect({
      connectionsOpened: sumOf('dsql.client.connections.opened'),
      occConflicts: sumOf('dsql.client.occ.conflicts', { 'dsql.conflict.kind': 'data' }),
      committed: sumOf('dsql.client.transactions', { 'dsql.transaction.outcome': 'committed' }),
      authFailures: sumOf('dsql.client.auth.failures'),
    }).toEqual(truth)
  })

  it('labels every point with the system, the pool, the endpoint and its Region', () => {
    const host = emulator.endpoints[0]?.host
    for (const [name, { points }] of metricsByName) {
      for (const point of points) {
        expect(point.attributes, name).toMatchObject({
          'db.system.name': 'postgresql',
          'server.address': host,
          'cloud.region': 'us-east-1',
        })
        expect(['pool', 'refused'], name).toContain(point.attributes['db.client.connection.pool.name'])
      }
    }
    const stats = workload.pool.stats()
    expect(sumOf('db.client.connection.count', { 'db.client.connection.pool.name': 'pool' })).toBe(
      stats.endpoints[0]?.openConnections,
    )
    expect(sumOf('db.client.connection.max', { 'db.client.connection.pool.name': 'pool' })).toBe(4)
  })

  it('records each histogram observation as pool.stats() counts it', () => {
    const stats = workload.pool.stats()
    const histogram = (name: string) =>
      metricsByName.get(name)?.points.find((p) => p.attributes['db.client.connection.pool.name'] === 'pool')
        ?.value as { count: number; sum: number } | undefined
    expect(histogram('db.client.connection.wait_time')?.count).toBe(stats.histograms.checkoutWaitSec.count)
    expect(histogram('db.client.connection.create_time')?.count).toBe(stats.counters.connectionsOpened)
    expect(histogram('db.client.connection.use_time')?.count).toBe(stats.histograms.useSec.count)
    expect(histogram('dsql.client.transaction.attempts')).toMatchObject({
      count: stats.histograms.transactionAttempts.count,
      sum: stats.histograms.transactionAttempts.sum,
    })
  })

  it('lets instrumentation-pg see every query, nested under one span per transaction attempt', async () => {
    const setup = new DsqlPool(optionsFor(emulator))
    await setup.query('CREATE TABLE IF NOT EXISTS obs_otel_traced (id int PRIMARY KEY)')
    await setup.end()
    // In a process of its own: instrumentation-pg patches pg when it is first required, as in an app.
    emulator.inject({ kind: 'occ', count: 1 })
    const script = `
      const { context, trace } = require('@opentelemetry/api')
      const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base')
      const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg')
      const exporter = new InMemorySpanExporter()
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
      trace.setGlobalTracerProvider(provider)
      new PgInstrumentation().setTracerProvider(provider)
      const { DsqlPool } = require(${JSON.stringify(`${root}/dist/index.cjs`)})
      const { instrumentPool } = require(${JSON.stringify(`${root}/dist/otel.cjs`)})
      const ca = require('node:fs').readFileSync(process.env.PGSSLROOTCERT, 'utf8')
      const pool = new DsqlPool({ ssl: { ca } })
      instrumentPool(pool)
      const tracer = trace.getTracer('app')
      ;(async () => {
        await tracer.startActiveSpan('place order', async (span) => {
          await pool.transaction((client) => client.query('INSERT INTO obs_otel_traced VALUES (1) ON CONFLICT (id) DO NOTHING'))
          span.end()
        })
        await pool.query('SELECT 1')
        await pool.end()
        console.log(JSON.stringify(exporter.getFinishedSpans().map((s) => ({
          name: s.name,
          id: s.spanContext().spanId,
          parent: s.parentSpanContext?.spanId,
          attributes: s.attributes,
        }))))
      })().catch((error) => { console.error(error); process.exit(1) })
    `
    const { stdout } = await run(process.execPath, ['--eval', script], {
      cwd: root,
      env: { ...process.env, ...emulator.env },
      timeout: 30_000,
    })
    const spans = JSON.parse(stdout) as {
      name: string
      id: string
      parent?: string
      attributes: Record<string, unknown>
    }[]
    const app = spans.find((s) => s.name === 'place order')
    const attempts = spans.filter((s) => s.name === 'dsql.transaction')
    expect(
      attempts.map((s) => [s.attributes['dsql.transaction.attempt'], s.attributes['dsql.transaction.retry']]),
    ).toEqual([
      [1, false],
      [2, true],
    ])
    for (const attempt of attempts) expect(attempt.parent).toBe(app?.id)
    expect(attempts[0]?.attributes['error.type']).toBe('40001')
    const queries = spans.filter((s) => s.name.startsWith('pg.query'))
    const statements = (parent: string | undefined) =>
      queries
        .filter((s) => s.parent === parent)
        .map((s) => String(s.attributes['db.statement'] ?? s.attributes['db.query.text']))
    // Each attempt's BEGIN, INSERT and COMMIT are its children; the statements outside stand alone.
    for (const attempt of attempts) {
      expect(statements(attempt.id)).toEqual(['BEGIN', expect.stringContaining('INSERT'), 'COMMIT'])
    }
    // The statement outside any transaction: under none of ours (pg-pool's own span at most).
    const outside = queries.filter((s) => !attempts.some((a) => a.id === s.parent))
    expect(outside.map((s) => spans.find((parent) => parent.id === s.parent)?.name ?? 'root')).toEqual([
      expect.stringMatching(/^(root|pg)/),
    ])
    expect(queries).toHaveLength(7)
  })
})
