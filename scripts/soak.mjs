// Soak: `npm run soak -- --minutes N [--sample-sec 15] [--workers 8]`. Steady mixed load through
// DsqlPool against the emulator (its own process, two Regions, sessions ended at 30 s of age),
// with a fault every 20 s in turn; every sample prints this process's heap and RSS, its open
// sockets, the pool's counts and the emulator's sessions. After warm-up (the first fifth of the
// run, at least 60 s) nothing may grow: it exits 1 when the heap trends up by more than 1 MB a
// minute, or sockets, pool connections or sessions end higher than they ever were in the first
// half after warm-up, or a read ever saw the accounts' total change.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { createRequire } from 'node:module'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { DsqlPool } from 'pg-dsql'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    'sample-sec': { type: 'string', default: '15' },
    workers: { type: 'string', default: '8' },
  },
})
const minutes = Number(values.minutes)
const sampleSec = Number(values['sample-sec'])
const workers = Number(values.workers)
for (const [flag, value] of [
  ['--minutes', minutes],
  ['--sample-sec', sampleSec],
  ['--workers', workers],
]) {
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`${flag} must be a positive number; got "${value}".`)
    process.exit(2)
  }
}

// A garbage collection before each heap sample, so the heap measured is what is still reachable.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc')

const ACCOUNTS = 16
const OPENING = 1000

/** Starts the emulator's command in its own process, so this process's sockets and heap are the driver's alone. */
async function startEmulatorProcess() {
  const main = createRequire(import.meta.url)
    .resolve('pg-dsql-emulator/package.json')
    .replace(/package\.json$/, 'dist/cli/main.js')
  const child = spawn(
    process.execPath,
    [main, '--max-connection-age', '30', '--latency', 'us-east-1=1,us-east-2=5'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const env = {}
  let buffered = ''
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the emulator exited with ${code} before it was ready`)))
    child.stdout.on('data', (chunk) => {
      buffered += chunk
      for (const line of buffered.split('\n')) {
        const match = /^([A-Z_]+)=(.*)$/.exec(line)
        if (match) env[match[1]] = match[2]
      }
      if (env.DSQL_EMULATOR_CONTROL !== undefined) resolve()
    })
  })
  process.once('exit', () => child.kill())
  // One connection per request (no keep-alive), so no control socket is left to count as ours.
  const control = (method, path, body) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const request = http.request(
        `${env.DSQL_EMULATOR_CONTROL}${path}`,
        {
          method,
          agent: false,
          headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        },
        (response) => {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (chunk) => {
            text += chunk
          })
          response.on('end', () => {
            if ((response.statusCode ?? 500) >= 300)
              reject(new Error(`${method} ${path}: ${response.statusCode} ${text}`))
            else resolve(text === '' ? undefined : JSON.parse(text))
          })
        },
      )
      request.on('error', reject)
      request.end(payload)
    })
  const stop = () =>
    new Promise((resolve) => {
      child.removeAllListeners('exit')
      child.once('exit', resolve)
      child.kill('SIGTERM')
    })
  return { env, control, stop }
}

/** The faults, one every 20 s in turn, each for 2 s: what starts it, and what ends it. */
const noop = async () => {}
const FAULTS = [
  ['connections killed', (c) => c('POST', '/connections/kill', {}), noop],
  [
    'us-east-1 refused',
    (c) => c('POST', '/regions/us-east-1/isolate', { mode: 'refuse', existing: 'drop' }),
    (c) => c('POST', '/regions/us-east-1/heal'),
  ],
  [
    'OCC storm',
    (c) => c('POST', '/faults', { kind: 'occ', probability: 0.3 }),
    (c) => c('DELETE', '/faults'),
  ],
  [
    'XX000 burst',
    (c) => c('POST', '/faults', { kind: 'server-unavailable', probability: 0.1 }),
    (c) => c('DELETE', '/faults'),
  ],
  [
    'ambiguous commits',
    (c) => c('POST', '/faults', { kind: 'commit-ambiguous', count: 5 }),
    (c) => c('DELETE', '/faults'),
  ],
  [
    'us-east-1 black hole',
    (c) => c('POST', '/regions/us-east-1/isolate', { mode: 'blackhole', existing: 'error' }),
    (c) => c('POST', '/regions/us-east-1/heal'),
  ],
  [
    'connection age (clock +3700 s and back)',
    async (c) => {
      await c('POST', '/clock', { offsetSec: 3700 })
      await c('POST', '/clock', { offsetSec: 0 })
    },
    noop,
  ],
]

const emulator = await startEmulatorProcess()
const { env } = emulator
const pool = new DsqlPool({
  endpoints: env.DSQL_ENDPOINTS,
  credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  ssl: { ca: readFileSync(env.PGSSLROOTCERT, 'utf8') },
  max: workers,
  routing: { strategy: 'ordered', failbackAfterMs: 300 },
})
await pool.query('CREATE TABLE soak_accounts (id int PRIMARY KEY, balance bigint NOT NULL)')
await pool.query(
  'CREATE TABLE soak_ledger (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), kind text NOT NULL)',
)
await pool.query(
  `INSERT INTO soak_accounts SELECT i, ${OPENING} FROM generate_series(0, ${ACCOUNTS - 1}) AS i`,
)

const counts = { ok: 0, errors: new Map(), unbalanced: 0 }
let running = true
const operations = [
  async () => {
    const { rows } = await pool.query('SELECT sum(balance)::int AS total FROM soak_accounts')
    if (rows[0].total !== ACCOUNTS * OPENING) counts.unbalanced++
  },
  () =>
    pool.transaction(async (client) => {
      const from = Math.floor(Math.random() * ACCOUNTS)
      const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS
      await client.query('UPDATE soak_accounts SET balance = balance - 1 WHERE id = $1', [from])
      await client.query('UPDATE soak_accounts SET balance = balance + 1 WHERE id = $1', [to])
    }),
  () => pool.query("INSERT INTO soak_ledger (kind) VALUES ('autocommit')"),
  () =>
    pool.transaction((client) => client.query("INSERT INTO soak_ledger (kind) VALUES ('exactly-once')"), {
      exactlyOnce: true,
    }),
]
const loops = Array.from({ length: workers }, async (_, worker) => {
  for (let turn = worker; running; turn++) {
    try {
      await operations[turn % operations.length]()
      counts.ok++
    } catch (error) {
      const code = error?.code ?? error?.name ?? 'unknown'
      counts.errors.set(code, (counts.errors.get(code) ?? 0) + 1)
    }
  }
})

const sockets = () => process.getActiveResourcesInfo().filter((type) => type === 'TCPSocketWrap').length
const samples = []
const startedAt = performance.now()
const endAt = startedAt + minutes * 60_000
let nextFaultAt = startedAt + 20_000
let fault = 0
let lastOk = 0
console.log(`Soak: ${minutes} min, ${workers} workers, a fault every 20 s, a sample every ${sampleSec} s\n`)
console.log('   t (s)  ops/s  heap MB  RSS MB  sockets  pool total/idle/waiting  emulator sessions  fault')
while (performance.now() < endAt) {
  const nextSampleAt = Math.min(endAt, performance.now() + sampleSec * 1000)
  let faultName = ''
  while (performance.now() < nextSampleAt) {
    if (performance.now() >= nextFaultAt) {
      const [name, start, end] = FAULTS[fault++ % FAULTS.length]
      faultName = name
      await start(emulator.control)
      await sleep(2000)
      await end(emulator.control)
      nextFaultAt += 20_000
    } else {
      await sleep(Math.min(250, nextSampleAt - performance.now()))
    }
  }
  gc()
  const stats = (await emulator.control('GET', '/stats')).cluster
  const at = (performance.now() - startedAt) / 1000
  const sample = {
    at,
    opsPerSec: (counts.ok - lastOk) / sampleSec,
    heapMB: process.memoryUsage().heapUsed / 2 ** 20,
    rssMB: process.memoryUsage().rss / 2 ** 20,
    sockets: sockets(),
    pool: [pool.totalCount, pool.idleCount, pool.waitingCount],
    sessions: stats.ClusterConnectionCount,
  }
  lastOk = counts.ok
  samples.push(sample)
  console.log(
    `${at.toFixed(0).padStart(8)}${sample.opsPerSec.toFixed(0).padStart(7)}${sample.heapMB.toFixed(1).padStart(9)}${sample.rssMB.toFixed(1).padStart(8)}${String(sample.sockets).padStart(9)}  ${sample.pool.join('/').padStart(23)}${String(sample.sessions).padStart(19)}  ${faultName}`,
  )
}

running = false
await Promise.all(loops)
await pool.end()
// Closed sockets leave the list a moment after end() resolves: wait for that, up to 5 s.
for (const deadline = performance.now() + 5000; sockets() > 0 && performance.now() < deadline; )
  await sleep(50)
const socketsAfter = sockets()
await emulator.stop()

const warmUpSec = Math.max(60, (minutes * 60) / 5)
const steady = samples.filter((sample) => sample.at >= warmUpSec)
const range = (pick) => {
  const all = steady.map(pick)
  return [Math.min(...all), Math.max(...all)]
}
/** Least-squares slope of `pick` over time, per minute. */
const slopePerMin = (pick) => {
  const n = steady.length
  const mx = steady.reduce((s, x) => s + x.at, 0) / n
  const my = steady.reduce((s, x) => s + pick(x), 0) / n
  const num = steady.reduce((s, x) => s + (x.at - mx) * (pick(x) - my), 0)
  const den = steady.reduce((s, x) => s + (x.at - mx) ** 2, 0)
  return den === 0 ? 0 : (num / den) * 60
}
console.log(
  `\n${counts.ok} operations succeeded; errors by code: ${JSON.stringify(Object.fromEntries(counts.errors))}`,
)
const problems = []
if (counts.unbalanced > 0) problems.push(`${counts.unbalanced} reads saw the accounts' total change`)
if (steady.length < 4) {
  console.log(
    `Too short to judge growth: run at least ${Math.ceil((warmUpSec + 4 * sampleSec) / 60)} minutes.`,
  )
} else {
  const half = steady.slice(0, Math.ceil(steady.length / 2))
  const last = steady.at(-1)
  const [heapMin, heapMax] = range((s) => s.heapMB)
  const [rssMin, rssMax] = range((s) => s.rssMB)
  const [, socketsMax] = range((s) => s.sockets)
  const [, poolMax] = range((s) => s.pool[0])
  const [, sessionsMax] = range((s) => s.sessions)
  const heapSlope = slopePerMin((s) => s.heapMB)
  console.log(
    `After warm-up (t ≥ ${warmUpSec.toFixed(0)} s, ${steady.length} samples): heap ${heapMin.toFixed(1)}–${heapMax.toFixed(1)} MB ` +
      `(trend ${heapSlope >= 0 ? '+' : ''}${heapSlope.toFixed(2)} MB/min), RSS ${rssMin.toFixed(0)}–${rssMax.toFixed(0)} MB, ` +
      `sockets ≤ ${socketsMax}, pool connections ≤ ${poolMax}, emulator sessions ≤ ${sessionsMax}; ` +
      `${socketsAfter} sockets left after pool.end()`,
  )
  if (heapSlope > 1) problems.push(`the heap trends up by ${heapSlope.toFixed(2)} MB a minute`)
  for (const [what, pick] of [
    ['sockets', (s) => s.sockets],
    ['pool connections', (s) => s.pool[0]],
    ['emulator sessions', (s) => s.sessions],
  ]) {
    const early = Math.max(...half.map(pick))
    if (pick(last) > early) problems.push(`${what} end at ${pick(last)}, above ${early} in the first half`)
  }
}
if (socketsAfter > 0) problems.push(`${socketsAfter} sockets open after pool.end()`)
console.log(problems.length === 0 ? 'Nothing grew.' : `Grew: ${problems.join('; ')}`)
process.exit(problems.length === 0 ? 0 : 1)
