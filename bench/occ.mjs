// Optimistic concurrency under contention: 32 workers run read-modify-write transactions on 4 hot
// rows through the emulator (its own process, 1 ms per round trip) for a fixed time. Contenders:
// pg-dsql's `transaction()` with its defaults; AWS's connector's `transaction()` with its defaults
// (3 retries, 1-100 ms backoff); and a loop on a raw pg.Pool that retries a conflict at once, with
// no backoff, up to pg-dsql's default attempts (10). Reported: committed transactions per second,
// p50/p99 commit latency (the call, retries included, of those that committed), attempts per
// commit and calls that gave up (retries exhausted). A warm-up, then alternating rounds, medians.
// (`npm run bench -- occ-contention` is the wider sweep the retry defaults were chosen by.)
//
//   npm run bench -- occ [--quick] [--workers 32] [--duration-ms 4000] [--rounds 3] [--json FILE]
import { readFileSync } from 'node:fs'
import { AuroraDSQLPool } from '@aws/aurora-dsql-node-postgres-connector'
import pg from 'pg'
import { DsqlPool } from 'pg-dsql'
import { startEmbeddedBackend } from 'pg-dsql-emulator'
import { startEmulatorProcess } from './lib/emulator-process.mjs'
import { benchSettings, median } from './lib/measure.mjs'
import { redirectTo } from './lib/redirect-socket.mjs'
import { fmt, isQuick, makeReport, percentile, printReport, ratioOf } from './lib/report.mjs'

const HOT_ROWS = 4
const NO_BACKOFF_ATTEMPTS = 10
const OCC_CODES = new Set(['40001', 'OC000', 'OC001'])

const OURS = 'pg-dsql defaults'
const AWS = "AWS's connector defaults"
const LOOP = 'raw pg, no-backoff loop'
const NAMES = [OURS, AWS, LOOP]

export async function run(argv) {
  const quick = isQuick(argv)
  const { durationMs, rounds, workers } = benchSettings(
    argv,
    quick ? { durationMs: 500, rounds: 1, workers: 8 } : { durationMs: 4000, rounds: 3, workers: 32 },
  )
  const backend = await startEmbeddedBackend()
  const emulator = await startEmulatorProcess({ regions: ['us-east-1'], backend: backend.url, latencyMs: 1 })
  const [endpoint] = emulator.endpoints
  const ca = readFileSync(emulator.caCertPath, 'utf8')
  const { credentials } = emulator
  const ssl = { ca, servername: endpoint.host }
  const stream = redirectTo(endpoint.address, endpoint.port)
  const ours = new DsqlPool({
    endpoints: `${endpoint.host}@${endpoint.address}:${endpoint.port}`,
    credentials,
    ssl: { ca },
    max: workers,
  })
  const aws = new AuroraDSQLPool({
    host: endpoint.host,
    port: endpoint.port,
    user: 'admin',
    region: endpoint.region,
    customCredentialsProvider: credentials,
    ssl,
    stream,
    max: workers,
  })
  const { DsqlSigner } = await import('@aws-sdk/dsql-signer')
  const signer = new DsqlSigner({ hostname: endpoint.host, region: endpoint.region, credentials })
  const raw = new pg.Pool({
    host: endpoint.host,
    port: endpoint.port,
    user: 'admin',
    database: 'postgres',
    password: () => signer.getDbConnectAdminAuthToken(),
    ssl,
    stream,
    max: workers,
  })
  const contenders = {
    [OURS]: { pool: ours, run: (fn) => ours.transaction(fn) },
    [AWS]: { pool: aws, run: (fn) => aws.transaction(fn) },
    [LOOP]: { pool: raw, run: (fn) => noBackoffLoop(raw, fn) },
  }
  for (const { pool } of Object.values(contenders)) pool.on('error', () => {})
  try {
    await ours.query('CREATE TABLE IF NOT EXISTS bench_hot (id int PRIMARY KEY, n bigint NOT NULL)')
    await ours.query(
      `INSERT INTO bench_hot SELECT i, 0 FROM generate_series(1, ${HOT_ROWS}) AS i ON CONFLICT DO NOTHING`,
    )
    // Warm-up: open each pool's connections and run each loop once before anything is timed.
    for (const name of NAMES) await contend(contenders[name], { workers, durationMs: quick ? 200 : 1000 })
    const samples = Object.fromEntries(NAMES.map((name) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? NAMES : [...NAMES].reverse()
      for (const name of order) samples[name].push(await contend(contenders[name], { workers, durationMs }))
    }
    const results = Object.fromEntries(
      NAMES.map((name) => {
        const runs = samples[name]
        const latencies = runs.flatMap((r) => r.commitMs)
        const commits = runs.reduce((n, r) => n + r.committed, 0)
        return [
          name,
          {
            committedPerSecond: median(runs.map((r) => r.committedPerSecond)),
            commitP50Ms: percentile(latencies, 0.5),
            commitP99Ms: percentile(latencies, 0.99),
            attemptsPerCommit: runs.reduce((n, r) => n + r.attemptsOfCommitted, 0) / Math.max(1, commits),
            retriesExhausted: runs.reduce((n, r) => n + r.exhausted, 0),
            otherErrors: runs.reduce((n, r) => n + r.otherErrors, 0),
            exhaustedShare:
              runs.reduce((n, r) => n + r.exhausted, 0) /
              Math.max(1, commits + runs.reduce((n, r) => n + r.exhausted, 0)),
          },
        ]
      }),
    )
    const report = makeReport({
      benchmark: 'occ',
      title: `occ: ${workers} workers on ${HOT_ROWS} hot rows, read-modify-write, ${durationMs} ms x ${rounds} rounds`,
      about:
        `${workers} workers run read-modify-write transactions (SELECT then UPDATE) on ${HOT_ROWS} hot rows through ` +
        'the emulator (its own process, 1 ms per round trip) for a fixed time: pg-dsql `transaction()` with its ' +
        "defaults (10 attempts, 10 ms to 1 s full-jitter backoff), AWS's connector `transaction()` with its defaults " +
        `(3 retries, 1 to 100 ms), and a loop on a raw pg.Pool that retries at once, with no backoff, up to ` +
        `${NO_BACKOFF_ATTEMPTS} attempts. Commit latency is the whole call, retries included, of the calls that ` +
        'committed; "gave up" counts calls that ran out of attempts. Each contender warms up for a second, then ' +
        'they run in alternating rounds; medians.',
      settings: {
        workers,
        hotRows: HOT_ROWS,
        durationMs,
        rounds,
        noBackoffAttempts: NO_BACKOFF_ATTEMPTS,
        quick,
      },
      results,
      ratios: {
        goodputVsAwsConnector: ratioOf(results[OURS].committedPerSecond, results[AWS].committedPerSecond),
        goodputVsNoBackoffLoop: ratioOf(results[OURS].committedPerSecond, results[LOOP].committedPerSecond),
        commitP99VsAwsConnector: ratioOf(results[OURS].commitP99Ms, results[AWS].commitP99Ms),
      },
      tables: [
        {
          columns: [
            'Contender',
            'Committed/s',
            'Commit p50',
            'Commit p99',
            'Attempts per commit',
            'Gave up',
            'Gave up %',
          ],
          rows: NAMES.map((name) => {
            const r = results[name]
            return [
              name,
              r.committedPerSecond.toFixed(0),
              fmt.ms(r.commitP50Ms),
              fmt.ms(r.commitP99Ms),
              r.attemptsPerCommit.toFixed(2),
              fmt.int(r.retriesExhausted),
              `${(100 * r.exhaustedShare).toFixed(1)}%`,
            ]
          }),
        },
      ],
      chart: {
        kind: 'bar',
        title: `${workers} workers on ${HOT_ROWS} hot rows: committed transactions per second (higher is better)`,
        unit: 'commits/s',
        groups: [
          {
            name: 'committed/s',
            bars: NAMES.map((name) => ({ label: name, value: results[name].committedPerSecond })),
          },
        ],
      },
    })
    printReport(report)
    return report
  } finally {
    await Promise.all(Object.values(contenders).map(({ pool }) => pool.end().catch(() => {})))
    await emulator.stop()
    await backend.stop()
  }
}

/** A retry loop with no backoff: BEGIN, the work, COMMIT; on a conflict, again at once. */
async function noBackoffLoop(pool, fn) {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const result = await fn(client)
      await client.query('COMMIT')
      client.release()
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      client.release()
      if (!OCC_CODES.has(error?.code) || attempt >= NO_BACKOFF_ATTEMPTS) throw error
    }
  }
}

/** One contender for a fixed time: every worker runs read-modify-write transactions back to back. */
async function contend({ run }, { workers, durationMs }) {
  let committed = 0
  let exhausted = 0
  let otherErrors = 0
  let attemptsOfCommitted = 0
  const commitMs = []
  const deadline = performance.now() + durationMs
  const startedAt = performance.now()
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const id = 1 + ((worker + i) % HOT_ROWS)
        let attempts = 0
        const callStart = performance.now()
        try {
          await run(async (client) => {
            attempts++
            const { rows } = await client.query('SELECT n FROM bench_hot WHERE id = $1', [id])
            await client.query('UPDATE bench_hot SET n = $1 WHERE id = $2', [Number(rows[0].n) + 1, id])
          })
          commitMs.push(performance.now() - callStart)
          attemptsOfCommitted += attempts
          committed++
        } catch (error) {
          if (isConflict(error)) exhausted++
          else otherErrors++
        }
      }
    }),
  )
  const seconds = (performance.now() - startedAt) / 1000
  return {
    committedPerSecond: committed / seconds,
    committed,
    commitMs,
    attemptsOfCommitted,
    exhausted,
    otherErrors,
  }
}

/** A conflict that ran out of attempts: pg's error, or pg-dsql's OccRetryExhaustedError (40001). */
function isConflict(error) {
  for (let e = error; e !== undefined && e !== null; e = e.cause) if (OCC_CODES.has(e.code)) return true
  return false
}
