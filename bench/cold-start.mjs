// Cold start: the first query of a fresh process, as a Lambda or a script meets it. Each contender
// runs in a new Node process configured by the environment alone (the emulator's, as an app's
// would be for a cluster) and reports two times: how long after the process began its first
// `SELECT 1` answered (module loading, credentials, signing, TLS, authentication and the query),
// and how long that took after the library was imported (the pool's own part: credentials,
// signing, TLS, authentication, the query). The baseline is a raw pg.Pool given a token signed
// beforehand (what no IAM library can beat); AWS's connector is measured the same way.
// Alternating rounds, medians; `ratio` = DsqlPool over raw pg.
//
//   npm run bench -- cold-start [--rounds 15] [--json FILE]
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import { startEmulator } from 'pg-dsql-emulator'
import { benchSettings, machine, median } from './lib/measure.mjs'

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
  const { rounds } = benchSettings(argv, { rounds: 15 })
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
  const baseline = medians['raw pg.Pool, token signed beforehand']
  const poolBaseline = pools['raw pg.Pool, token signed beforehand']
  const report = {
    benchmark: 'cold-start',
    machine: machine(),
    rounds,
    firstQueryMs: Object.fromEntries(Object.entries(medians).map(([name, ms]) => [name, Math.round(ms)])),
    afterImportMs: Object.fromEntries(Object.entries(pools).map(([name, ms]) => [name, Math.round(ms)])),
    ratio: Number((medians.DsqlPool / baseline).toFixed(2)),
    awsRatio: Number((medians["AWS's connector"] / baseline).toFixed(2)),
    afterImportRatio: Number((pools.DsqlPool / poolBaseline).toFixed(2)),
    awsAfterImportRatio: Number((pools["AWS's connector"] / poolBaseline).toFixed(2)),
  }
  console.log(`cold start: first query after process start, median of ${rounds} fresh processes each`)
  for (const [name, ms] of Object.entries(medians)) {
    console.log(`  ${name.padEnd(40)} ${ms.toFixed(0)} ms (${pools[name].toFixed(0)} ms after the import)`)
  }
  console.log(
    `DsqlPool / raw pg: ${report.ratio} from process start, ${report.afterImportRatio} after the import; ` +
      `AWS's connector / raw pg: ${report.awsRatio}, ${report.awsAfterImportRatio}`,
  )
  return report
}
