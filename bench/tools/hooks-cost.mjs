// What the metrics hooks add to each query with no listener and no adapter, measured alone: the
// four clock reads and two histogram records a checkout and its release make (connect loop:
// checkout wait; DsqlClient: use time), run through the real EventTally from src/, against an
// empty loop. Too small to see in a query's end-to-end CPU (bench/tools/compare-builds.mjs), so
// measured here on its own; in a loop, V8 optimizes it at least as well as on the query path.
//
//   node bench/tools/hooks-cost.mjs [--calls 5000000]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'esbuild'

const { values } = parseArgs({ options: { calls: { type: 'string', default: '5000000' } }, strict: true })
const calls = Number(values.calls)
const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-hooks-cost-'))
try {
  const outfile = join(dir, 'event-tally.mjs')
  await build({
    entryPoints: [fileURLToPath(new URL('../../src/observability/event-tally.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'warning',
  })
  const { EventTally } = await import(pathToFileURL(outfile).href)
  const tally = new EventTally()
  // As the query path does it: the connect loop times the checkout, DsqlClient the use.
  const hooks = () => {
    const waitStartedAt = performance.now()
    tally.checkedOut(performance.now() - waitStartedAt)
    const checkedOutAt = performance.now()
    tally.released(performance.now() - checkedOutAt)
  }
  const empty = () => {}
  const nsPerCall = (fn) => {
    const before = process.cpuUsage()
    for (let i = 0; i < calls; i++) fn()
    const cpu = process.cpuUsage(before)
    return ((cpu.user + cpu.system) * 1000) / calls
  }
  // Twice each, interleaved: the first pass warms both up.
  nsPerCall(hooks)
  nsPerCall(empty)
  const withHooks = nsPerCall(hooks)
  const without = nsPerCall(empty)
  console.log(
    `metrics hooks: ${(withHooks - without).toFixed(0)} ns of CPU per query (${calls.toLocaleString('en-US')} calls)`,
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
