// The query path with IAM auth and TLS, through the emulator (its own process): `SELECT 1` from
// 16 workers on a pool of 16 for raw pg (a token signed per new connection), AWS's connector and
// pg-dsql, alternating rounds after a warm-up, medians. Tokens signed are counted on AWS's
// DsqlSigner itself and credential lookups by a counting provider handed to each contender, not
// from anyone's events. `ratios`: pg-dsql over raw pg, and over AWS's connector.
//
//   npm run bench -- through-emulator [--quick] [--rounds 6] [--duration-ms 1500] [--json FILE]
import { startEmbeddedBackend } from 'pg-dsql-emulator'
import { CONTENDER_NAMES, endContenders, makeContenders, tokensSigned } from './lib/contenders.mjs'
import { startEmulatorProcess } from './lib/emulator-process.mjs'
import { benchSettings, measure, median } from './lib/measure.mjs'
import { fmt, isQuick, makeReport, printReport, ratioOf } from './lib/report.mjs'

export async function run(argv) {
  const quick = isQuick(argv)
  const { durationMs, rounds, workers } = benchSettings(
    argv,
    quick ? { durationMs: 300, rounds: 1, workers: 8 } : { durationMs: 1500, rounds: 6, workers: 16 },
  )
  const backend = await startEmbeddedBackend()
  const emulator = await startEmulatorProcess({ regions: ['us-east-1'], backend: backend.url })
  const contenders = makeContenders({
    endpoint: emulator.endpoints[0],
    credentials: emulator.credentials,
    caCertPath: emulator.caCertPath,
    poolOptions: { max: workers },
  })
  try {
    const task = (pool) => pool.query('SELECT 1')
    // Warm-up opens every connection, so the rounds measure the steady state.
    for (const name of CONTENDER_NAMES)
      await measure(() => task(contenders[name].pool), { workers, durationMs: quick ? 200 : 800 })
    const samples = Object.fromEntries(CONTENDER_NAMES.map((name) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? CONTENDER_NAMES : [...CONTENDER_NAMES].reverse()
      for (const name of order) {
        const { provider, pool } = contenders[name]
        const tokensBefore = tokensSigned()
        const callsBefore = provider.calls
        const sample = await measure(() => task(pool), { workers, durationMs })
        samples[name].push({
          ...sample,
          tokensSigned: tokensSigned() - tokensBefore,
          providerCalls: provider.calls - callsBefore,
        })
      }
    }
    const results = Object.fromEntries(
      CONTENDER_NAMES.map((name) => {
        const runs = samples[name]
        const queries = runs.reduce((n, r) => n + r.count, 0)
        return [
          name,
          {
            queriesPerSecond: median(runs.map((r) => r.perSecond)),
            p50Ms: median(runs.map((r) => r.p50)),
            p99Ms: median(runs.map((r) => r.p99)),
            cpuMicrosPerQuery: median(runs.map((r) => r.cpuMicrosPerTask)),
            queries,
            tokensSignedPer1000Queries: (1000 * runs.reduce((n, r) => n + r.tokensSigned, 0)) / queries,
            providerCallsPer1000Queries: (1000 * runs.reduce((n, r) => n + r.providerCalls, 0)) / queries,
          },
        ]
      }),
    )
    const ours = results['pg-dsql']
    const raw = results['raw pg']
    const aws = results["AWS's connector"]
    const report = makeReport({
      benchmark: 'through-emulator',
      title: `through the emulator: SELECT 1 with IAM tokens and TLS, ${workers} workers, ${durationMs} ms x ${rounds} rounds, medians`,
      about:
        'The query path with IAM auth and TLS through the emulator (its own process): `SELECT 1` from a pool of ' +
        `${workers} for raw pg (a token signed per new connection by AWS's DsqlSigner), AWS's connector and pg-dsql, ` +
        'alternating rounds after a warm-up that opens every connection. Tokens are counted on the DsqlSigner ' +
        'and credential lookups by a counting provider given to each contender.',
      settings: { workers, durationMs, rounds, quick },
      results,
      ratios: {
        throughputVsRawPg: ratioOf(ours.queriesPerSecond, raw.queriesPerSecond),
        p99VsRawPg: ratioOf(ours.p99Ms, raw.p99Ms),
        cpuPerQueryVsRawPg: ratioOf(ours.cpuMicrosPerQuery, raw.cpuMicrosPerQuery),
        throughputVsAwsConnector: ratioOf(ours.queriesPerSecond, aws.queriesPerSecond),
        p99VsAwsConnector: ratioOf(ours.p99Ms, aws.p99Ms),
      },
      tables: [
        {
          columns: [
            'Contender',
            'Queries/s',
            'p50',
            'p99',
            'CPU µs/query',
            'Tokens signed / 1,000 queries',
            'Credential calls / 1,000 queries',
          ],
          rows: CONTENDER_NAMES.map((name) => {
            const r = results[name]
            return [
              name,
              fmt.int(r.queriesPerSecond),
              fmt.ms(r.p50Ms),
              fmt.ms(r.p99Ms),
              r.cpuMicrosPerQuery.toFixed(1),
              r.tokensSignedPer1000Queries.toFixed(1),
              r.providerCallsPer1000Queries.toFixed(1),
            ]
          }),
        },
      ],
      chart: {
        kind: 'bar',
        title: 'SELECT 1 through the emulator with IAM tokens (queries/s, higher is better)',
        unit: 'queries/s',
        groups: [
          {
            name: 'queries/s',
            bars: CONTENDER_NAMES.map((name) => ({ label: name, value: results[name].queriesPerSecond })),
          },
        ],
      },
    })
    printReport(report)
    return report
  } finally {
    await endContenders(contenders)
    await emulator.stop()
    await backend.stop()
  }
}
