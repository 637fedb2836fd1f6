// What pool.stats() and each metrics adapter cost on the query path: client CPU per query of
// DsqlPool with no adapter, with pg-dsql/otel (an SDK MeterProvider), pg-dsql/prometheus and
// pg-dsql/emf attached, against pg.Pool (and an identical pg.Pool, the noise floor), all in one
// run on one embedded PostgreSQL (trust auth, no TLS), alternating order each round, medians.
// `--before DIST` adds a DsqlPool built from another checkout (its dist/index.js, inside this
// repository) to the same process, and then compares the two builds the way an app runs them,
// one pool per process (bench/lib/build-comparison.mjs): in one process, builds blur together.
//
//   npm run bench -- observability-overhead [--quick] [--rounds 12] [--before DIST] [--json FILE]

import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import pg from 'pg'
import { DsqlPool } from 'pg-dsql'
import { instrumentPool as emf } from 'pg-dsql/emf'
import { instrumentPool as otel } from 'pg-dsql/otel'
import { instrumentPool as prometheus } from 'pg-dsql/prometheus'
import { Registry } from 'prom-client'
import { compareBuilds } from './lib/build-comparison.mjs'
import { benchSettings, measure, median } from './lib/measure.mjs'
import { isQuick, makeReport, printReport } from './lib/report.mjs'
import { startTrustedBackend } from './lib/trusted-backend.mjs'
import { dsqlPoolOptions, pgPoolOptions } from './lib/trusted-pools.mjs'

export async function run(argv) {
  const quick = isQuick(argv)
  const { durationMs, rounds, workers } = benchSettings(
    argv,
    quick ? { durationMs: 200, rounds: 1, workers: 16 } : { durationMs: 600, rounds: 12, workers: 16 },
  )
  const { values } = parseArgs({ args: argv, options: { before: { type: 'string' } }, strict: false })
  const backend = await startTrustedBackend()
  const dsql = (Pool) => new Pool(dsqlPoolOptions(backend.port, workers))
  const pools = {
    'pg.Pool': new pg.Pool(pgPoolOptions(backend.port, workers)),
    // A second, identical pg.Pool: how far apart equal code measures here (the noise floor).
    'pg.Pool (control)': new pg.Pool(pgPoolOptions(backend.port, workers)),
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
    // The question "did a change cost CPU per query?", answered per process.
    const perProcess =
      typeof values.before === 'string'
        ? await compareBuilds({
            builds: [
              { name: 'before', path: resolve(values.before) },
              { name: 'today', path: fileURLToPath(import.meta.resolve('pg-dsql')) },
            ],
            port: backend.port,
            rounds: quick ? 2 : 20,
            seconds: quick ? 1 : 3,
            workers,
          })
        : undefined
    const perProcessRatio = (of, to) => perProcess?.ratios.find((r) => r.of === of && r.to === to)
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
        ...(perProcess === undefined
          ? {}
          : {
              cpuPerQueryTodayOverBeforePerProcess: perProcessRatio('today', 'before').median,
              cpuPerQueryIdenticalBuildsPerProcess: perProcessRatio('before (copy)', 'before').median,
            }),
      },
      ...(perProcess === undefined ? {} : { perProcess }),
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
        ...(perProcess === undefined
          ? []
          : [
              {
                title:
                  `Today's DsqlPool against the build before (--before), one pool per process as an app runs it: ` +
                  `${perProcess.settings.rounds} rotating rounds, ${perProcess.settings.seconds} s each; median of each round's ratio [95% interval]`,
                columns: ['Ratio', 'Median', '95% interval'],
                rows: perProcess.ratios.map((r) => [
                  `${r.of} / ${r.to}`,
                  r.median.toFixed(3),
                  `${r.low.toFixed(3)} to ${r.high.toFixed(3)}`,
                ]),
              },
            ]),
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
