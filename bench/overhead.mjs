// What the wrapper costs on the query path: DsqlPool against pg.Pool (and AWS's connector),
// all straight to one embedded PostgreSQL with trust auth and no TLS, 16 workers, fixed
// duration, alternating runs, medians; then head to head (both pools at once). `ratios` = ours
// divided by pg.Pool's: throughput head to head, p99 and client CPU per query in alternating runs.
// Targets: throughput >= 0.99, p99 <= 1.05, CPU per query <= 1.05.
//
//   npm run bench -- overhead [--quick] [--rounds 12] [--duration-ms 600] [--json FILE]

import { AuroraDSQLPool } from '@aws/aurora-dsql-node-postgres-connector'
import pg from 'pg'
import { DsqlPool } from 'pg-dsql'
import { benchSettings, measure, median, settle } from './lib/measure.mjs'
import { fmt, isQuick, makeReport, percentile, printReport } from './lib/report.mjs'
import { startTrustedBackend } from './lib/trusted-backend.mjs'
import { dsqlPoolOptions, pgPoolOptions, TRUSTED_CREDENTIALS } from './lib/trusted-pools.mjs'

export async function run(argv) {
  const quick = isQuick(argv)
  const { durationMs, rounds, workers } = benchSettings(
    argv,
    quick ? { durationMs: 200, rounds: 1, workers: 16 } : { durationMs: 600, rounds: 12, workers: 16 },
  )
  const warmUpMs = quick ? 200 : 500
  const raceMs = quick ? 300 : 1000
  const backend = await startTrustedBackend()
  const pools = {
    'pg.Pool': new pg.Pool(pgPoolOptions(backend.port, workers)),
    // A second, identical pg.Pool: its ratio to the first is this machine's noise floor.
    'pg.Pool (control)': new pg.Pool(pgPoolOptions(backend.port, workers)),
    DsqlPool: new DsqlPool(dsqlPoolOptions(backend.port, workers)),
    'AWS connector': new AuroraDSQLPool({
      ...pgPoolOptions(backend.port, workers),
      region: 'us-east-1',
      ssl: false,
      customCredentialsProvider: TRUSTED_CREDENTIALS,
    }),
  }
  // Shutting the server down ends idle connections; that is not a benchmark failure.
  for (const pool of Object.values(pools)) pool.on('error', () => {})
  try {
    await pools['pg.Pool'].query('CREATE TABLE bench_kv (id int PRIMARY KEY, v text NOT NULL)')
    await pools['pg.Pool'].query(
      "INSERT INTO bench_kv SELECT i, 'value ' || i FROM generate_series(1, 10000) AS i",
    )
    const workloads = {
      'SELECT 1': (pool) => pool.query('SELECT 1'),
      'primary-key lookup': (pool) =>
        pool.query('SELECT v FROM bench_kv WHERE id = $1', [1 + Math.floor(Math.random() * 10000)]),
    }
    const results = {}
    const roundSamples = {}
    const headToHead = {}
    for (const [workload, task] of Object.entries(workloads)) {
      const samples = Object.fromEntries(Object.keys(pools).map((name) => [name, []]))
      for (const pool of Object.values(pools))
        await measure(() => task(pool), { workers, durationMs: warmUpMs })
      for (let round = 0; round < rounds; round++) {
        // Alternate the order each round so warm-up and drift favour no one.
        const order = Object.keys(pools)
        if (round % 2 === 1) order.reverse()
        for (const name of order)
          samples[name].push(await measure(() => task(pools[name]), { workers, durationMs }))
      }
      roundSamples[workload] = samples
      headToHead[workload] = {
        DsqlPool: await race(pools.DsqlPool, pools['pg.Pool'], task, workers, rounds, raceMs),
        'pg.Pool (control)': await race(
          pools['pg.Pool (control)'],
          pools['pg.Pool'],
          task,
          workers,
          rounds,
          raceMs,
        ),
      }
      results[workload] = Object.fromEntries(
        Object.entries(samples).map(([name, runs]) => [
          name,
          {
            perSecond: median(runs.map((r) => r.perSecond)),
            p50: median(runs.map((r) => r.p50)),
            p99: median(runs.map((r) => r.p99)),
            cpuMicrosPerQuery: median(runs.map((r) => r.cpuMicrosPerTask)),
          },
        ]),
      )
    }
    // Throughput drifts during a run (the server warms, the table ages): each round measures the
    // pools back to back, so a ratio is taken within each round and the median of those reported.
    const ratio = (workload, metric, of, to) =>
      median(
        roundSamples[workload][of].map(
          (sample, round) => sample[metric] / roundSamples[workload][to][round][metric],
        ),
      )
    const names = Object.keys(workloads)
    const report = makeReport({
      benchmark: 'overhead',
      title: `overhead: ${workers} workers, ${durationMs} ms x ${rounds} rounds, medians; ${rounds} head-to-head races`,
      about:
        `What the wrapper costs on the query path: \`SELECT 1\` and a primary-key lookup, ${workers} workers, ` +
        "DsqlPool, pg.Pool and AWS's connector all talking to one embedded PostgreSQL with trust auth and no TLS, " +
        'so only the client library differs. Throughput is taken head to head (both pools at once, half the ' +
        `workers each, ${rounds} races, median), because pools run one after the other drift apart on a shared ` +
        "machine whatever their code; p99 and client CPU per query come from alternating runs (each round's " +
        'ratio, then the median), and p99 from the races too. A second, identical pg.Pool gives the noise ' +
        'floor. Ratios are the worst over the two workloads. Targets: throughput >= 0.99, p99 <= 1.05, CPU per ' +
        'query <= 1.05.',
      settings: { workers, durationMs, rounds, quick },
      results,
      // The worst case over the workloads: the lowest throughput ratio, the highest p99 ratio.
      ratios: {
        // Head to head: both pools run at once, so they meet the same machine at the same moment.
        throughput: Math.min(...names.map((w) => headToHead[w].DsqlPool.throughput)),
        alternatingThroughput: Math.min(...names.map((w) => ratio(w, 'perSecond', 'DsqlPool', 'pg.Pool'))),
        p99: Math.max(...names.map((w) => ratio(w, 'p99', 'DsqlPool', 'pg.Pool'))),
        // The same p99, both pools running at once (each race's ratio, then the median).
        p99HeadToHead: Math.max(...names.map((w) => headToHead[w].DsqlPool.p99)),
        // Client CPU per query: the wrapper's own cost, steadier than throughput on a shared machine.
        cpuPerQuery: Math.max(...names.map((w) => ratio(w, 'cpuMicrosPerTask', 'DsqlPool', 'pg.Pool'))),
        throughputVsAwsConnector: Math.min(
          ...names.map((w) => ratio(w, 'perSecond', 'DsqlPool', 'AWS connector')),
        ),
      },
      byWorkload: Object.fromEntries(
        names.map((w) => [
          w,
          {
            throughput: headToHead[w].DsqlPool.throughput,
            p99HeadToHead: headToHead[w].DsqlPool.p99,
            alternatingThroughput: ratio(w, 'perSecond', 'DsqlPool', 'pg.Pool'),
            p99: ratio(w, 'p99', 'DsqlPool', 'pg.Pool'),
            cpuPerQuery: ratio(w, 'cpuMicrosPerTask', 'DsqlPool', 'pg.Pool'),
            control: headToHead[w]['pg.Pool (control)'].throughput,
          },
        ]),
      ),
      // The same ratios for two identical pg.Pools: how far apart equal code measures here.
      noiseFloor: {
        throughput: Math.min(...names.map((w) => headToHead[w]['pg.Pool (control)'].throughput)),
        p99HeadToHead: Math.max(...names.map((w) => headToHead[w]['pg.Pool (control)'].p99)),
        p99: Math.max(...names.map((w) => ratio(w, 'p99', 'pg.Pool (control)', 'pg.Pool'))),
        cpuPerQuery: Math.max(
          ...names.map((w) => ratio(w, 'cpuMicrosPerTask', 'pg.Pool (control)', 'pg.Pool')),
        ),
      },
      vsAwsConnector: {
        throughput: Math.min(...names.map((w) => ratio(w, 'perSecond', 'DsqlPool', 'AWS connector'))),
        p99: Math.max(...names.map((w) => ratio(w, 'p99', 'DsqlPool', 'AWS connector'))),
      },
      tables: [],
      chart: undefined,
    })
    report.tables = tables(report)
    report.chart = chart(report)
    printReport(report)
    return report
  } finally {
    await Promise.all(Object.values(pools).map((pool) => pool.end().catch(() => {})))
    await backend.stop()
  }
}

/**
 * Runs two pools at once, half the workers each, for `rounds` short races (swapping which starts
 * its workers first), and returns the median of `a`'s completed queries over `b`'s. Sharing every
 * moment of the run cancels the machine's drift and noise that sequential runs suffer.
 */
async function race(a, b, task, workers, rounds, raceMs) {
  const throughput = []
  const p99 = []
  for (let round = 0; round < rounds; round++) {
    const latencies = new Map([
      [a, []],
      [b, []],
    ])
    const deadline = performance.now() + raceMs
    const loop = async (pool) => {
      const own = latencies.get(pool)
      while (performance.now() < deadline) {
        const startedAt = performance.now()
        await task(pool)
        own.push(performance.now() - startedAt)
      }
    }
    const order = round % 2 === 0 ? [a, b] : [b, a]
    settle()
    await Promise.all(order.flatMap((pool) => Array.from({ length: workers / 2 }, () => loop(pool))))
    throughput.push(latencies.get(a).length / latencies.get(b).length)
    p99.push(percentile(latencies.get(a), 0.99) / percentile(latencies.get(b), 0.99))
  }
  return { throughput: median(throughput), p99: median(p99) }
}

function tables(report) {
  const r = report.ratios
  const n = report.noiseFloor
  return [
    ...Object.entries(report.results).map(([workload, byPool]) => ({
      title: workload,
      columns: ['Pool', 'Queries/s', 'p50', 'p99', 'CPU µs/query'],
      rows: Object.entries(byPool).map(([name, x]) => [
        name,
        fmt.int(x.perSecond),
        fmt.ms(x.p50),
        fmt.ms(x.p99),
        x.cpuMicrosPerQuery.toFixed(1),
      ]),
    })),
    {
      title: 'Ratios, worst workload (target)',
      columns: ['Ratio', 'DsqlPool / pg.Pool', 'pg.Pool (control) / pg.Pool', 'Target'],
      rows: [
        ['Throughput, head to head', fmt.ratio(r.throughput), fmt.ratio(n.throughput), '>= 0.99'],
        ['p99 latency, alternating runs', fmt.ratio(r.p99), fmt.ratio(n.p99), '<= 1.05'],
        ['p99 latency, head to head', fmt.ratio(r.p99HeadToHead), fmt.ratio(n.p99HeadToHead), ''],
        ['Client CPU per query', fmt.ratio(r.cpuPerQuery), fmt.ratio(n.cpuPerQuery), '<= 1.05'],
        ['Throughput, alternating runs', fmt.ratio(r.alternatingThroughput), '', ''],
      ],
    },
  ]
}

function chart(report) {
  return {
    kind: 'bar',
    title: 'Query path: DsqlPool over pg.Pool, and an identical pg.Pool over pg.Pool (1 = no cost)',
    unit: 'ratio',
    groups: [
      {
        name: 'DsqlPool / pg.Pool',
        bars: [
          { label: 'throughput (head to head)', value: report.ratios.throughput },
          { label: 'p99 latency', value: report.ratios.p99 },
          { label: 'client CPU per query', value: report.ratios.cpuPerQuery },
        ],
      },
      {
        name: 'pg.Pool (control) / pg.Pool: the noise floor',
        bars: [
          { label: 'throughput (head to head)', value: report.noiseFloor.throughput },
          { label: 'p99 latency', value: report.noiseFloor.p99 },
          { label: 'client CPU per query', value: report.noiseFloor.cpuPerQuery },
        ],
      },
    ],
  }
}
