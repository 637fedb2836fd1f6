// Client CPU per query of several builds of DsqlPool against each other, the way an application
// meets them: each measurement is a process of its own with one pool (`SELECT 1`, 16 workers,
// trust auth, no TLS, one embedded PostgreSQL for all), so no build shares V8's type feedback with
// another (in one process, pg's own functions would see every build's client class). Rounds rotate
// the order; each round's ratio of two builds, then the median and a 95% bootstrap interval of it.
// pg.Pool runs too, and the first build runs twice per round (from a copy of its folder), so the
// identical pair shows how far apart equal code measures on this machine. It answers "does this
// change cost CPU per query?"; it is not a benchmark for BENCHMARKS.md.
//
//   node bench/tools/compare-builds.mjs --build before=PATH/index.js --build now=dist/index.js [--rounds 20] [--seconds 3]
// A build's index.js must live inside this repository, so that its `pg` import finds ours.
import { execFile } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs, promisify } from 'node:util'

const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '16' },
    child: { type: 'string' },
    port: { type: 'string' },
  },
  strict: true,
})
const workers = Number(values.workers)
const seconds = Number(values.seconds)

if (values.child !== undefined) {
  // One contender in its own process: warm up, then measure.
  const { default: pg } = await import('pg')
  const common = { max: workers, user: 'postgres', database: 'postgres' }
  const pool =
    values.child === 'pg.Pool'
      ? new pg.Pool({ ...common, host: '127.0.0.1', port: Number(values.port) })
      : new (await import(pathToFileURL(values.child).href)).DsqlPool({
          ...common,
          endpoints: `benchbenchbenchbenchbenchb.dsql.us-east-1.on.aws@127.0.0.1:${values.port}`,
          ssl: false,
          credentials: { accessKeyId: 'AKIDCOMPARE', secretAccessKey: 'compare-secret' },
        })
  pool.on('error', () => {})
  const { measure } = await import('../lib/measure.mjs')
  const task = () => pool.query('SELECT 1')
  await measure(task, { workers, durationMs: 1000 })
  const sample = await measure(task, { workers, durationMs: seconds * 1000 })
  await pool.end()
  process.stdout.write(JSON.stringify({ cpu: sample.cpuMicrosPerTask, perSecond: sample.perSecond }))
  process.exit(0)
}

const { median } = await import('../lib/measure.mjs')
const { startTrustedBackend } = await import('../lib/trusted-backend.mjs')
const builds = (values.build ?? []).map((spec) => {
  const at = spec.indexOf('=')
  if (at <= 0) throw new Error(`--build takes NAME=PATH/TO/index.js; got "${spec}"`)
  return { name: spec.slice(0, at), path: resolve(spec.slice(at + 1)) }
})
if (builds.length === 0) throw new Error('Give at least one --build NAME=PATH/TO/index.js')
const rounds = Number(values.rounds)

// The first build again, from a copy of its folder: identical code, measured as the others are.
const copyDir = `${dirname(builds[0].path)}.copy-${process.pid}`
cpSync(dirname(builds[0].path), copyDir, { recursive: true })
process.on('exit', () => rmSync(copyDir, { recursive: true, force: true }))
const contenders = [
  { name: 'pg.Pool', path: 'pg.Pool' },
  ...builds,
  {
    name: `${builds[0].name} (copy)`,
    path: join(copyDir, builds[0].path.slice(dirname(builds[0].path).length + 1)),
  },
]

const run = promisify(execFile)
const self = fileURLToPath(import.meta.url)
const backend = await startTrustedBackend()
const cpu = Object.fromEntries(contenders.map(({ name }) => [name, []]))
try {
  for (let round = 0; round < rounds; round++) {
    // Rotate, and reverse every other round, so no contender always follows the same one.
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length])
    if (round % 2 === 1) order.reverse()
    for (const { name, path } of order) {
      const args = [self, '--child', path, '--port', String(backend.port), '--seconds', String(seconds)]
      const { stdout } = await run(process.execPath, [...args, '--workers', String(workers)])
      cpu[name].push(JSON.parse(stdout).cpu)
    }
    process.stderr.write(`round ${round + 1}/${rounds}\r`)
  }
} finally {
  await backend.stop()
}

const ratios = (a, b) => cpu[a].map((value, round) => value / cpu[b][round])
function interval(samples) {
  const medians = []
  for (let i = 0; i < 2000; i++)
    medians.push(median(samples.map(() => samples[Math.floor(Math.random() * samples.length)])))
  medians.sort((x, y) => x - y)
  return [medians[50], medians[1949]]
}
const line = (label, samples) => {
  const [low, high] = interval(samples)
  console.log(`${label.padEnd(40)} ${median(samples).toFixed(3)}  [${low.toFixed(3)}, ${high.toFixed(3)}]`)
}
console.log(
  `${rounds} rounds, one process per measurement (1 s warm-up, ${seconds} s measured), ${workers} workers, SELECT 1`,
)
for (const { name } of contenders)
  console.log(`${name.padEnd(40)} ${median(cpu[name]).toFixed(2)} µs/query (median)`)
console.log('median of per-round ratios [95% bootstrap interval]:')
for (const { name } of contenders.slice(1)) line(`${name} / pg.Pool`, ratios(name, 'pg.Pool'))
const base = builds[0].name
for (const { name } of contenders.slice(2)) line(`${name} / ${base}`, ratios(name, base))
