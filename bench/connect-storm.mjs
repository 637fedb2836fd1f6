// A connect storm: 200 fresh connections at concurrency 20 through the emulator (its own process,
// connection rate limit lifted so only the clients differ), for raw pg, AWS's connector and
// pg-dsql. Each of 20 workers checks a connection out of its contender's pool (max 20), runs
// `SELECT 1` and destroys the connection (`release(true)`), so every checkout opens a new one:
// TCP, TLS, a token, authentication. Reported: total time, p50/p99 connect time (the checkout),
// tokens signed (counted on AWS's DsqlSigner). Alternating rounds; totals are medians, connect
// percentiles are over every round's connections, after a small uncounted storm each.
// `ratios`: pg-dsql over raw pg and AWS's.
//
//   npm run bench -- connect-storm [--quick] [--rounds 3] [--json FILE]
import { parseArgs } from 'node:util'
import { startEmbeddedBackend } from 'pg-dsql-emulator'
import { CONTENDER_NAMES, endContenders, makeContenders, tokensSigned } from './lib/contenders.mjs'
import { startEmulatorProcess } from './lib/emulator-process.mjs'
import { benchSettings, median } from './lib/measure.mjs'
import { fmt, isQuick, makeReport, percentile, printReport, ratioOf } from './lib/report.mjs'

export async function run(argv) {
  const quick = isQuick(argv)
  const { rounds } = benchSettings(argv, { rounds: quick ? 1 : 3 })
  const { values } = parseArgs({
    args: argv,
    options: { connections: { type: 'string' }, concurrency: { type: 'string' } },
    strict: false,
  })
  const connections = Number(values.connections ?? (quick ? 40 : 200))
  const concurrency = Number(values.concurrency ?? (quick ? 8 : 20))
  const backend = await startEmbeddedBackend()
  const emulator = await startEmulatorProcess({
    regions: ['us-east-1'],
    backend: backend.url,
    connectRate: { perSec: 100_000, burst: 100_000 },
  })
  const samples = Object.fromEntries(CONTENDER_NAMES.map((name) => [name, []]))
  const fresh = (name) =>
    makeContenders({
      endpoint: emulator.endpoints[0],
      credentials: emulator.credentials,
      caCertPath: emulator.caCertPath,
      poolOptions: { max: concurrency },
      names: [name],
    })
  try {
    // Warm-up: a small storm each, not counted, so no contender pays for loading TLS and signing code.
    for (const name of CONTENDER_NAMES) {
      const contenders = fresh(name)
      try {
        await storm(contenders[name], { connections: concurrency, concurrency })
      } finally {
        await endContenders(contenders)
      }
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? CONTENDER_NAMES : [...CONTENDER_NAMES].reverse()
      for (const name of order) {
        // New pools every round: nothing cached from an earlier round but what the library keeps.
        const contenders = fresh(name)
        try {
          samples[name].push(await storm(contenders[name], { connections, concurrency }))
        } finally {
          await endContenders(contenders)
        }
      }
    }
  } finally {
    await emulator.stop()
    await backend.stop()
  }
  const results = Object.fromEntries(
    CONTENDER_NAMES.map((name) => {
      const runs = samples[name]
      const connectMs = runs.flatMap((r) => r.connectMs)
      return [
        name,
        {
          totalMs: median(runs.map((r) => r.totalMs)),
          connectP50Ms: percentile(connectMs, 0.5),
          connectP99Ms: percentile(connectMs, 0.99),
          tokensSigned: median(runs.map((r) => r.tokensSigned)),
          credentialCalls: median(runs.map((r) => r.providerCalls)),
          failed: runs.reduce((n, r) => n + r.failed, 0),
        },
      ]
    }),
  )
  const ours = results['pg-dsql']
  const raw = results['raw pg']
  const aws = results["AWS's connector"]
  const report = makeReport({
    benchmark: 'connect-storm',
    title: `connect storm: ${connections} fresh connections at concurrency ${concurrency}, ${rounds} rounds`,
    about:
      `${connections} fresh connections at concurrency ${concurrency} through the emulator (its own process, its ` +
      'connection-rate limit lifted so only the clients differ). Each worker checks a connection out, runs ' +
      '`SELECT 1` and destroys it, so every checkout opens a new connection: TCP, TLS, a token, authentication. ' +
      'Connect time is the checkout; tokens are counted on the DsqlSigner. New pools every round, after a ' +
      'small uncounted storm each.',
    settings: { connections, concurrency, rounds, quick },
    results,
    ratios: {
      totalTimeVsRawPg: ratioOf(ours.totalMs, raw.totalMs),
      connectP99VsRawPg: ratioOf(ours.connectP99Ms, raw.connectP99Ms),
      totalTimeVsAwsConnector: ratioOf(ours.totalMs, aws.totalMs),
      tokensSignedVsAwsConnector: ratioOf(ours.tokensSigned, aws.tokensSigned),
    },
    tables: [
      {
        columns: [
          'Contender',
          'Total time',
          'Connect p50',
          'Connect p99',
          'Tokens signed',
          'Credential calls',
          'Failed',
        ],
        rows: CONTENDER_NAMES.map((name) => {
          const r = results[name]
          return [
            name,
            fmt.ms(r.totalMs),
            fmt.ms(r.connectP50Ms),
            fmt.ms(r.connectP99Ms),
            fmt.int(r.tokensSigned),
            fmt.int(r.credentialCalls),
            r.failed,
          ]
        }),
      },
    ],
    chart: {
      kind: 'bar',
      title: `${connections} fresh connections at concurrency ${concurrency} (milliseconds, lower is better)`,
      unit: 'ms',
      groups: [
        {
          name: 'total time',
          bars: CONTENDER_NAMES.map((name) => ({ label: name, value: results[name].totalMs })),
        },
        {
          name: 'connect p99',
          bars: CONTENDER_NAMES.map((name) => ({ label: name, value: results[name].connectP99Ms })),
        },
      ],
    },
  })
  printReport(report)
  return report
}

async function storm({ pool, provider }, { connections, concurrency }) {
  const connectMs = []
  let failed = 0
  let next = 0
  const tokensBefore = tokensSigned()
  const startedAt = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < connections) {
        const connectStart = performance.now()
        let client
        try {
          client = await pool.connect()
          connectMs.push(performance.now() - connectStart)
          await client.query('SELECT 1')
          client.release(true)
        } catch {
          failed++
          client?.release(true)
        }
      }
    }),
  )
  return {
    totalMs: performance.now() - startedAt,
    connectMs,
    tokensSigned: tokensSigned() - tokensBefore,
    providerCalls: provider.calls,
    failed,
  }
}
