// pool.stats() and the three metrics adapters on one DsqlPool: OpenTelemetry (an SDK
// MeterProvider here; in an app, the one your NodeSDK registers), Prometheus (a prom-client
// registry, scraped as text) and CloudWatch EMF (lines on stdout). Ten concurrent orders on one
// hot row make real conflicts, retried by pool.transaction(); then it prints what each adapter
// produced. With OBSERVABILITY_OUTPUT=<file> it also writes that text to the file (the README's
// excerpts come from examples/observability/output.txt).
import { writeFileSync } from 'node:fs'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { DsqlPool } from 'pg-dsql'
import { instrumentPool as instrumentEmf } from 'pg-dsql/emf'
import { instrumentPool as instrumentOtel } from 'pg-dsql/otel'
import { instrumentPool as instrumentPrometheus } from 'pg-dsql/prometheus'
import { Registry } from 'prom-client'

const pool = new DsqlPool({ max: 4 })

// OpenTelemetry: the adapter creates its instruments on the MeterProvider given.
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })
instrumentOtel(pool, { meterProvider: new MeterProvider({ readers: [reader] }), poolName: 'orders' })

// Prometheus: collectors on this registry (serve `await registry.metrics()` on /metrics).
const registry = new Registry()
instrumentPrometheus(pool, { registry, poolName: 'orders' })

// CloudWatch EMF: lines every minute and at pool.end(); kept here to print them last.
const emfLines = []
instrumentEmf(pool, {
  stream: { write: (chunk) => emfLines.push(...chunk.split('\n').filter(Boolean)) },
  namespace: 'pg-dsql-example',
  dimensions: { Service: 'orders' },
  poolName: 'orders',
})

const out = []
const print = (line = '') => {
  out.push(line)
  console.log(line)
}

try {
  await pool.query('CREATE TABLE IF NOT EXISTS observability_stock (sku text PRIMARY KEY, qty int NOT NULL)')
  await pool.query(
    "INSERT INTO observability_stock VALUES ('sku-1', 10) ON CONFLICT (sku) DO UPDATE SET qty = 10",
  )
  await Promise.all(
    Array.from({ length: 10 }, () =>
      pool.transaction(async (client) => {
        const { rows } = await client.query("SELECT qty FROM observability_stock WHERE sku = 'sku-1'")
        await client.query("UPDATE observability_stock SET qty = $1 WHERE sku = 'sku-1'", [rows[0].qty - 1])
      }),
    ),
  )
  const { counters } = pool.stats()
  print('== pool.stats().counters ==')
  print(
    `transactions committed ${counters.transactions.committed}, conflicts ${counters.occConflicts.data}, ` +
      `retries ${counters.retries.transaction}, connections opened ${counters.connectionsOpened}`,
  )

  await reader.forceFlush()
  print()
  print('== OpenTelemetry instruments ==')
  const instruments = exporter
    .getMetrics()
    .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
    .map((metric) => metric.descriptor)
  for (const { name, unit, type } of instruments.sort((a, b) => a.name.localeCompare(b.name)))
    print(`${name} ${unit} ${type}`)

  print()
  print('== Prometheus scrape ==')
  for (const line of (await registry.metrics()).trimEnd().split('\n')) print(line)
} finally {
  // The EMF adapter writes its last lines as the pool ends.
  await pool.end()
}
print()
print('== CloudWatch EMF lines ==')
for (const line of emfLines) print(line)
if (process.env.OBSERVABILITY_OUTPUT) writeFileSync(process.env.OBSERVABILITY_OUTPUT, `${out.join('\n')}\n`)
