// What pool.stats() and each metrics adapter cost on the query path: client CPU per query of
// DsqlPool with no adapter, with pg-dsql/otel (an SDK MeterProvider), pg-dsql/prometheus and
// pg-dsql/emf attached, against pg.Pool, all in one run on one embedded PostgreSQL (trust auth,
// no TLS), alternating order each round, medians. `--before DIST` adds a DsqlPool built from
// another checkout (its dist/index.js), to compare the code before and after a change.

import { parseArgs } from 'node:util'
import { MeterProvider } from '@opentelemetry/sdk-metrics'
import pg from 'pg'
import { DsqlPool } from 'pg-dsql'
import { instrumentPool as emf } from 'pg-dsql/emf'
import { instrumentPool as otel } from 'pg-dsql/otel'
import { instrumentPool as prometheus } from 'pg-dsql/prometheus'
import { Registry } from 'prom-client'
import { benchSettings, machine, measure, median } from './lib/measure.mjs'
import { startTrustedBackend } from './lib/trusted-backend.mjs'

const CREDENTIALS = { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret' }
const HOST = 'benchbenchbenchbenchbenchb.dsql.us-east-1.on.aws'

export async function run(argv) {
  const { durationMs, rounds, workers } = benchSettings(argv, { durationMs: 600, rounds: 15, workers: 16 })
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
  const pools = { 'pg.Pool': new pg.Pool({ ...common, host: '127.0.0.1', port: backend.port }) }
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
    for (const pool of Object.values(pools)) await measure(() => task(pool), { workers, durationMs: 500 })
    const samples = Object.fromEntries(Object.keys(pools).map((name) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      const order = Object.keys(pools)
      if (round % 2 === 1) order.reverse()
      for (const name of order)
        samples[name].push(await measure(() => task(pools[name]), { workers, durationMs }))
    }
    // CPU per query over pg.Pool's in the same round, then the median over rounds.
    const ratio = (name) =>
      median(samples[name].map((s, round) => s.cpuMicrosPerTask / samples['pg.Pool'][round].cpuMicrosPerTask))
    const report = {
      benchmark: 'observability-overhead',
      machine: machine(),
      settings: { workers, durationMs, rounds, workload: 'SELECT 1' },
      results: Object.fromEntries(
        Object.entries(samples).map(([name, runs]) => [
          name,
          {
            perSecond: median(runs.map((r) => r.perSecond)),
            cpuMicrosPerQuery: median(runs.map((r) => r.cpuMicrosPerTask)),
            cpuRatioToPg: ratio(name),
          },
        ]),
      ),
    }
    console.log(
      `observability overhead: ${workers} workers, ${durationMs} ms x ${rounds} rounds, SELECT 1, medians`,
    )
    for (const [name, r] of Object.entries(report.results)) {
      console.log(
        `  ${name.padEnd(18)} ${r.perSecond.toFixed(0).padStart(7)} q/s   ${r.cpuMicrosPerQuery.toFixed(2)} µs CPU/query   ${r.cpuRatioToPg.toFixed(3)} x pg.Pool`,
      )
    }
    return report
  } finally {
    await Promise.all(Object.values(pools).map((pool) => pool.end().catch(() => {})))
    await backend.stop()
  }
}
