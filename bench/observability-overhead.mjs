// What pool.stats() and each metrics adapter cost on the query path: client CPU per query of
// DsqlPool with no adapter, with pg-dsql/otel (an SDK MeterProvider), pg-dsql/prometheus and
// pg-dsql/emf attached, against pg.Pool (and an identical pg.Pool, the noise floor), all in one
// run on one embedded PostgreSQL (trust auth, no TLS), alternating order each round, medians. `--before DIST` adds a DsqlPool built from
// another checkout (its dist/index.js), to compare the code before and after a change.
//
//   npm run bench -- observability-overhead [--quick] [--rounds 12] [--before DIST] [--json FILE]

import { parseArgs } from 'node:util'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import pg from 'pg'
import { DsqlPool } from 'pg-dsql'
import { instrumentPool as emf } from 'pg-dsql/emf'
import { instrumentPool as otel } from 'pg-dsql/otel'
import { instrumentPool as prometheus } from 'pg-dsql/prometheus'
import { Registry } from 'prom-client'
import { benchSettings, measure, median } from './lib/measure.mjs'
import { isQuick, makeReport, printReport } from './lib/report.mjs'
import { startTrustedBackend } from './lib/trusted-backend.mjs'

const CREDENTIALS = { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret' }
const HOST = 'benchbenchbenchbenchbenchb.dsql.us-east-1.on.aws'

export async function run(argv) {
  const quick = isQuick(argv)
  const { durationMs, rounds, workers } = benchSettings(
    argv,
    quick ? { durationMs: 200, rounds: 1, workers: 16 } : { durationMs: 600, rounds: 12, workers: 16 },
  )
  const { values } = parseArgs({ args: argv, options: { before: { type: 'string' } }, strict: false })
  const backend = await startTrustedBackend()
  const common = { max: workers, user: 'postgres', database: 'postgres' }
  const dsql = (Pool) =>
    new Pool({
      ...common,
      endpoints: `${HOST}@127.0.0.1:${backend.port}`,
      ssl: false,
      credentials: CREDENTIALS,
    })
  const pools = {
    'pg.Pool': new pg.Pool({ ...common, host: '127.0.0.1', port: backend.port }),
    // A second, identical pg.Pool: how far apart equal code measures here (the noise floor).
    'pg.Pool (control)': new pg.Pool({ ...common, host: '127.0.0.1', port: backend.port }),
  }
  if (typeof values.before === 'string')
    pools['DsqlPool (before)'] = dsql((await import(values.before)).DsqlPool)
  pools.DsqlPool = dsql(DsqlPool)
  pools['+ otel'] = dsql(DsqlPool)
  otel(pools['+ otel'], { meterProvider: new MeterProvider() })
  pools['+ prometheus'] = dsql(DsqlPool)
  prometheus(pools['+ prometheus'], { registry: new Registry() })
  pools['+ emf'] = dsql(DsqlPool)
  const sink = { write: () => true }
  emf(pools['+ emf'], { stream: sink, flushIntervalMs: 1000 })
  for (const pool of Object.values(pools)) pool.on('error', () => {})
  try {
    const task = (pool) => pool.query('SELECT 1')
    for (const pool of Object.values(pools))
      await measure(() => task(pool), { workers, durationMs: quick ? 200 : 500 })
    const samples = Object.fromEntries(Object.keys(pools).map((name) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      const order = Object.keys(pools)
      if (round % 2 === 1) order.reverse()
      for (const name of order)
        samples[name].push(await measure(() => task(pools[name]), { workers, durationMs }))
    }
    // CPU per query over pg.Pool's in the same round, then the median over rounds.
    const ratio = (name, to = 'pg.Pool') =>
      median(samples[name].map((s, round) => s.cpuMicrosPerTask / samples[to][round].cpuMicrosPerTask))
    const results = Object.fromEntries(
      Object.entries(samples).map(([name, runs]) => [
        name,
        {
          perSecond: median(runs.map((r) => r.perSecond)),
          cpuMicrosPerQuery: median(runs.map((r) => r.cpuMicrosPerTask)),
          cpuRatioToPg: ratio(name),
          cpuRatioToDsqlPool: ratio(name, 'DsqlPool'),
        },
      ]),
    )
    const report = makeReport({
      benchmark: 'observability-overhead',
      title: `observability overhead: ${workers} workers, ${durationMs} ms x ${rounds} rounds, SELECT 1, medians`,
      about:
        'What `pool.stats()` and each metrics adapter cost on the query path: client CPU per `SELECT 1` ' +
        `(${workers} workers, trust auth, no TLS, one embedded PostgreSQL) through pg.Pool, DsqlPool with no ` +
        'adapter, and DsqlPool with pg-dsql/otel (an SDK MeterProvider), pg-dsql/prometheus (a Registry) or ' +
        "pg-dsql/emf (a discarding stream) attached; alternating rounds, each round's ratio, then the median. " +
        'A second, identical pg.Pool shows how far apart equal code measures on this machine.',
      settings: { workers, durationMs, rounds, workload: 'SELECT 1', quick },
      results,
      ratios: {
        cpuPerQueryNoAdapter: results.DsqlPool.cpuRatioToPg,
        cpuPerQueryOtel: results['+ otel'].cpuRatioToPg,
        cpuPerQueryPrometheus: results['+ prometheus'].cpuRatioToPg,
        cpuPerQueryEmf: results['+ emf'].cpuRatioToPg,
        cpuPerQueryControl: results['pg.Pool (control)'].cpuRatioToPg,
        ...(results['DsqlPool (before)'] === undefined
          ? {}
          : { cpuPerQueryBefore: results['DsqlPool (before)'].cpuRatioToPg }),
      },
      tables: [
        {
          columns: ['Pool', 'Queries/s', 'CPU µs/query', 'CPU / pg.Pool', 'CPU / DsqlPool', 'Added µs/query'],
          rows: Object.entries(results).map(([name, r]) => [
            name,
            Math.round(r.perSecond).toLocaleString('en-US'),
            r.cpuMicrosPerQuery.toFixed(2),
            r.cpuRatioToPg.toFixed(3),
            r.cpuRatioToDsqlPool.toFixed(3),
            name.startsWith('+')
              ? ((r.cpuRatioToDsqlPool - 1) * results.DsqlPool.cpuMicrosPerQuery).toFixed(2)
              : '',
          ]),
        },
      ],
      chart: {
        kind: 'bar',
        title: 'Client CPU per SELECT 1 with each metrics adapter (µs, lower is better)',
        unit: 'µs/query',
        groups: [
          {
            name: 'CPU per query',
            bars: Object.entries(results).map(([name, r]) => ({ label: name, value: r.cpuMicrosPerQuery })),
          },
        ],
      },
    })
    printReport(report)
    return report
  } finally {
    await Promise.all(Object.values(pools).map((pool) => pool.end().catch(() => {})))
    await backend.stop()
  }
}
