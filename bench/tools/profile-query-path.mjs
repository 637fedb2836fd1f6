// Where a query's client CPU goes: runs `SELECT 1` from 16 workers for a few seconds through
// pg.Pool and DsqlPool (and a DsqlPool built elsewhere, `--before DIST`), each in its own process
// under `node --cpu-prof`, and prints the sampled time per query by owner: pg-dsql's own code,
// pg, pg-pool, pg-protocol, Node's JS, the garbage collector, and the socket writes; and the
// garbage collections per 1,000 queries (young-generation garbage shows as scavenges). Not a
// benchmark (no ratios): the profile behind BENCHMARKS.md's overhead findings.
//
//   npm run build && node --max-semi-space-size=1 bench/tools/profile-query-path.mjs [--seconds 8] [--before DIST]
// (a small young generation, passed on to each child, makes collections frequent enough to count)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, before: { type: 'string' }, child: { type: 'string' } },
  strict: true,
})

if (values.child !== undefined) {
  // One contender, profiled by the parent's --cpu-prof.
  const { default: pg } = await import('pg')
  const { startTrustedBackend } = await import('../lib/trusted-backend.mjs')
  const backend = await startTrustedBackend()
  const { dsqlPoolOptions, pgPoolOptions } = await import('../lib/trusted-pools.mjs')
  const pool =
    values.child === 'pg'
      ? new pg.Pool(pgPoolOptions(backend.port))
      : new (await import(values.child)).DsqlPool(dsqlPoolOptions(backend.port))
  pool.on('error', () => {})
  // Young-generation garbage shows as scavenges: count every collection while the load runs.
  const { PerformanceObserver } = await import('node:perf_hooks')
  const gc = { count: 0, ms: 0 }
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++
      gc.ms += entry.duration
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  let queries = 0
  const deadline = performance.now() + Number(values.seconds ?? 8) * 1000
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < deadline) {
        await pool.query('SELECT 1')
        queries++
      }
    }),
  )
  await new Promise((resolve) => setTimeout(resolve, 50))
  observer.disconnect()
  console.log(JSON.stringify({ queries, gcCount: gc.count, gcMs: gc.ms }))
  await pool.end()
  await backend.stop()
  process.exit(0)
}

const self = fileURLToPath(import.meta.url)
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
const contenders = { 'pg.Pool': 'pg', DsqlPool: dist }
if (values.before !== undefined) contenders['DsqlPool (before)'] = values.before

for (const [name, child] of Object.entries(contenders)) {
  const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-profile-'))
  const args = [
    ...process.execArgv,
    '--cpu-prof',
    '--cpu-prof-dir',
    dir,
    self,
    '--child',
    child,
    '--seconds',
    values.seconds ?? '8',
  ]
  const { queries, gcCount, gcMs } = JSON.parse(
    execFileSync(process.execPath, args, { encoding: 'utf8' }).trim().split('\n').at(-1),
  )
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'))
  rmSync(dir, { recursive: true, force: true })
  const ours = child === 'pg' ? undefined : child.slice(0, child.lastIndexOf('/'))
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]))
  const owners = {}
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)
    const owner = ownerOf(frame, ours)
    owners[owner] = (owners[owner] ?? 0) + profile.timeDeltas[i]
  })
  console.log(
    `\n${name}: ${queries} queries; ${((1000 * gcCount) / queries).toFixed(2)} collections and ` +
      `${((1000 * gcMs) / queries).toFixed(1)} ms of GC per 1,000 queries; sampled µs per query by owner`,
  )
  for (const [owner, micros] of Object.entries(owners).sort((a, b) => b[1] - a[1])) {
    if (owner !== 'idle') console.log(`  ${owner.padEnd(22)} ${(micros / queries).toFixed(2)}`)
  }
}

function ownerOf({ url, functionName }, ours) {
  if (ours !== undefined && url.includes(ours)) return 'pg-dsql'
  for (const lib of ['pg-pool', 'pg-protocol', 'pg']) if (url.includes(`/node_modules/${lib}/`)) return lib
  if (url.startsWith('node:')) return 'node (JS)'
  if (functionName === '(idle)') return 'idle'
  if (functionName === 'writeBuffer' || functionName === 'writev') return 'socket writes'
  if (functionName === '(garbage collector)') return 'garbage collector'
  if (url === '') return 'native, other'
  return 'bench loop, other'
}
