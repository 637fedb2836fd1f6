// Cold start: the first query of a fresh process, as a Lambda or a script meets it. Each contender
// runs in a new Node process configured by the environment alone (the emulator's, as an app's
// would be for a cluster) and reports two times: how long after the process began its first
// `SELECT 1` answered (module loading, credentials, signing, TLS, authentication and the query),
// and how long that took after the library was imported (the pool's own part: credentials,
// signing, TLS, authentication, the query). The baseline is a raw pg.Pool given a token signed
// beforehand (what no IAM library can beat); AWS's connector is measured the same way.
// Alternating rounds, medians of 10 processes; `ratios`: pg-dsql over raw pg and over AWS's.
//
//   npm run bench -- cold-start [--quick] [--rounds 10] [--json FILE]
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { startEmulator } from 'pg-dsql-emulator'
import { benchSettings, median } from './lib/measure.mjs'
import { fmt, isQuick, makeReport, printReport, ratioOf } from './lib/report.mjs'

const execFileAsync = promisify(execFile)
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))

// Every script prints performance.now() (milliseconds since the process began) once its library
// is imported, and again when its first query answered.
const CONTENDERS = {
  'raw pg.Pool, token signed beforehand': `
    const { default: pg } = await import('pg')
    const fs = await import('node:fs')
    console.log(performance.now())
    const [host, hostAndPort] = process.env.DSQL_ENDPOINTS.split('@')
    const [address, port] = hostAndPort.split(':')
    const pool = new pg.Pool({ host: address, port: Number(port), user: 'admin', database: 'postgres',
      password: process.env.BENCH_TOKEN, ssl: { ca: fs.readFileSync(process.env.PGSSLROOTCERT, 'utf8'), servername: host } })
    await pool.query('SELECT 1')
    console.log(performance.now())
    await pool.end()`,
  DsqlPool: `
    const { DsqlPool } = await import(process.env.BENCH_DIST)
    console.log(performance.now())
    const pool = new DsqlPool()
    await pool.query('SELECT 1')
    console.log(performance.now())
    await pool.end()`,
  "AWS's connector": `
    const { AuroraDSQLPool } = await import('@aws/aurora-dsql-node-postgres-connector')
    const fs = await import('node:fs')
    console.log(performance.now())
    const [host, hostAndPort] = process.env.DSQL_ENDPOINTS.split('@')
    const [address, port] = hostAndPort.split(':')
    const pool = new AuroraDSQLPool({ host, user: 'admin', database: 'postgres', region: process.env.AWS_REGION,
      ssl: { ca: fs.readFileSync(process.env.PGSSLROOTCERT, 'utf8'), servername: host },
      stream: () => { const { Socket } = require('node:net'); const s = new Socket(); const c = s.connect.bind(s); s.connect = () => c(Number(port), address); return s } })
    await pool.query('SELECT 1')
    console.log(performance.now())
    await pool.end()`,
}

export async function run(argv) {
  const quick = isQuick(argv)
  const { rounds } = benchSettings(argv, { rounds: quick ? 2 : 10 })
  const emulator = await startEmulator({ regions: ['us-east-1'] })
  const [endpoint] = emulator.endpoints
  const signer = new DsqlSigner({
    hostname: endpoint.host,
    region: endpoint.region,
    credentials: emulator.credentials,
  })
  const env = {
    ...process.env,
    ...emulator.env,
    BENCH_DIST: dist,
    BENCH_TOKEN: await signer.getDbConnectAdminAuthToken(),
  }
  const samples = Object.fromEntries(Object.keys(CONTENDERS).map((name) => [name, []]))
  const afterImport = Object.fromEntries(Object.keys(CONTENDERS).map((name) => [name, []]))
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, script] of Object.entries(CONTENDERS)) {
        const wrapped = `import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\n${script}`
        const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '--eval', wrapped], {
          env,
        })
        const [imported, answered] = stdout.trim().split('\n').slice(-2).map(Number)
        samples[name].push(answered)
        afterImport[name].push(answered - imported)
      }
    }
  } finally {
    await emulator.stop()
  }
  const medians = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]))
  const pools = Object.fromEntries(
    Object.entries(afterImport).map(([name, values]) => [name, median(values)]),
  )
  const baselineName = 'raw pg.Pool, token signed beforehand'
  const ours = 'DsqlPool'
  const aws = "AWS's connector"
  const report = makeReport({
    benchmark: 'cold-start',
    title: `cold start: first query after process start, median of ${rounds} fresh processes each`,
    about:
      'The first `SELECT 1` of a fresh Node process, configured by the environment alone, through the emulator ' +
      `(one Region), median of ${rounds} fresh processes per contender, alternating. The baseline is a raw ` +
      '`pg.Pool` given a token signed beforehand, which no IAM library can beat; "after the import" is the ' +
      "pool's own part: credentials, signing, TLS, authentication and the query.",
    settings: { rounds, quick },
    results: Object.fromEntries(
      Object.keys(CONTENDERS).map((name) => [
        name,
        { firstQueryMs: medians[name], afterImportMs: pools[name] },
      ]),
    ),
    ratios: {
      firstQueryVsRawPg: ratioOf(medians[ours], medians[baselineName]),
      firstQueryVsAwsConnector: ratioOf(medians[ours], medians[aws]),
      afterImportVsRawPg: ratioOf(pools[ours], pools[baselineName]),
      afterImportVsAwsConnector: ratioOf(pools[ours], pools[aws]),
    },
    tables: [
      {
        columns: ['Contender', 'First query after process start', 'Of which after the import'],
        rows: Object.keys(CONTENDERS).map((name) => [name, fmt.ms(medians[name]), fmt.ms(pools[name])]),
      },
    ],
    chart: {
      kind: 'bar',
      title: `First query of a fresh process, median of ${rounds} (milliseconds, lower is better)`,
      unit: 'ms',
      groups: [
        {
          name: 'from process start',
          bars: Object.keys(CONTENDERS).map((name) => ({ label: name, value: medians[name] })),
        },
        {
          name: 'after the import',
          bars: Object.keys(CONTENDERS).map((name) => ({ label: name, value: pools[name] })),
        },
      ],
    },
  })
  printReport(report)
  return report
}
