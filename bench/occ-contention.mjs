// Goodput under contention, to choose retry defaults by measurement: 32 workers run
// read-modify-write transactions on 4 hot rows through the emulator for a fixed time; we count
// committed transactions per second. pg-dsql's defaults against AWS's connector (3 retries,
// 1-100 ms backoff) and against other backoff settings, all in the same run.
import { readFileSync } from 'node:fs'
import { AuroraDSQLPool } from '@aws/aurora-dsql-node-postgres-connector'
import { DsqlPool } from 'pg-dsql'
import { startEmulator } from 'pg-dsql-emulator'
import { benchSettings, machine, median } from './lib/measure.mjs'
import { redirectTo } from './lib/redirect-socket.mjs'

const HOT_ROWS = 4

export async function run(argv) {
  const { durationMs, rounds, workers } = benchSettings(argv, { durationMs: 5000, rounds: 3, workers: 32 })
  const emulator = await startEmulator({ regions: ['us-east-1'], latencyMs: 1 })
  const [endpoint] = emulator.endpoints
  const ca = readFileSync(emulator.caCertPath, 'utf8')
  const credentials = {
    accessKeyId: emulator.credentials.accessKeyId,
    secretAccessKey: emulator.credentials.secretAccessKey,
  }
  const ours = (retry) =>
    new DsqlPool({
      endpoints: emulator.env.DSQL_ENDPOINTS,
      credentials,
      ssl: { ca },
      max: workers,
      retry: { ...retry, deadlineMs: 30_000 },
    })
  // pg-dsql's defaults, AWS's numbers run by pg-dsql's loop, and the alternatives the defaults
  // were chosen against (attempts, first window, ceiling), then AWS's connector itself.
  const variants = [
    ['pg-dsql defaults', {}],
    [
      "pg-dsql with AWS's numbers (4 attempts, 1-100 ms)",
      { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 100 },
    ],
    ['pg-dsql 10 attempts, 1-100 ms', { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 100 }],
    ['pg-dsql 10 attempts, 5-250 ms', { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 250 }],
    ['pg-dsql 10 attempts, 5-500 ms', { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 500 }],
    ['pg-dsql 15 attempts, 2-200 ms', { maxAttempts: 15, baseDelayMs: 2, maxDelayMs: 200 }],
    ['pg-dsql 10 attempts, 50 ms-5 s', { maxAttempts: 10, baseDelayMs: 50, maxDelayMs: 5000 }],
  ]
  const contenders = {
    ...Object.fromEntries(
      variants.map(([name, retry]) => [name, { pool: ours(retry), run: (pool, fn) => pool.transaction(fn) }]),
    ),
    'AWS connector defaults (3 retries, 1-100 ms)': {
      pool: new AuroraDSQLPool({
        host: endpoint.host,
        port: endpoint.port,
        user: 'admin',
        region: 'us-east-1',
        customCredentialsProvider: credentials,
        ssl: { ca, servername: endpoint.host },
        stream: redirectTo(endpoint.address, endpoint.port),
        max: workers,
      }),
      run: (pool, fn) => pool.transaction(fn),
    },
  }
  for (const { pool } of Object.values(contenders)) pool.on('error', () => {})
  try {
    const setup = contenders['pg-dsql defaults'].pool
    await setup.query('CREATE TABLE IF NOT EXISTS bench_hot (id int PRIMARY KEY, n bigint NOT NULL)')
    await setup.query(
      `INSERT INTO bench_hot SELECT i, 0 FROM generate_series(1, ${HOT_ROWS}) AS i ON CONFLICT DO NOTHING`,
    )
    const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      const order = Object.keys(contenders)
      if (round % 2 === 1) order.reverse()
      for (const name of order) samples[name].push(await contend(contenders[name], { workers, durationMs }))
    }
    const results = Object.fromEntries(
      Object.entries(samples).map(([name, runs]) => [
        name,
        {
          committedPerSecond: median(runs.map((r) => r.committedPerSecond)),
          failedPerSecond: median(runs.map((r) => r.failedPerSecond)),
          failedShare: median(runs.map((r) => r.failedShare)),
        },
      ]),
    )
    const defaults = results['pg-dsql defaults']
    const aws = results['AWS connector defaults (3 retries, 1-100 ms)']
    const ratios = {
      // Committed transactions per second, pg-dsql's defaults divided by AWS's connector's.
      goodputVsAwsConnector: defaults.committedPerSecond / aws.committedPerSecond,
    }
    const report = {
      benchmark: 'occ-contention',
      machine: machine(),
      settings: { workers, hotRows: HOT_ROWS, durationMs, rounds },
      results,
      ratios,
    }
    console.log(
      `occ-contention: ${workers} workers on ${HOT_ROWS} hot rows, ${durationMs} ms x ${rounds} rounds, medians`,
    )
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `  ${name.padEnd(52)} ${r.committedPerSecond.toFixed(0).padStart(6)} commits/s  ${r.failedPerSecond.toFixed(1).padStart(6)} gave up/s (${(100 * r.failedShare).toFixed(1)}%)`,
      )
    }
    console.log(`\npg-dsql defaults / AWS connector: goodput ${ratios.goodputVsAwsConnector.toFixed(2)}x`)
    return report
  } finally {
    await Promise.all(Object.values(contenders).map(({ pool }) => pool.end().catch(() => {})))
    await emulator.stop()
  }
}

/** One contender for a fixed time: every worker runs read-modify-write transactions back to back. */
async function contend({ pool, run }, { workers, durationMs }) {
  let committed = 0
  let failed = 0
  const deadline = performance.now() + durationMs
  const startedAt = performance.now()
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const id = 1 + ((worker + i) % HOT_ROWS)
        try {
          await run(pool, async (client) => {
            const { rows } = await client.query('SELECT n FROM bench_hot WHERE id = $1', [id])
            await client.query('UPDATE bench_hot SET n = $1 WHERE id = $2', [Number(rows[0].n) + 1, id])
          })
          committed++
        } catch {
          failed++
        }
      }
    }),
  )
  const seconds = (performance.now() - startedAt) / 1000
  return {
    committedPerSecond: committed / seconds,
    failedPerSecond: failed / seconds,
    failedShare: failed / Math.max(1, committed + failed),
  }
}
