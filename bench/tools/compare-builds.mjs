// Does a change cost CPU per query? Client CPU per `SELECT 1` of several builds of DsqlPool, each
// measured in processes of its own with one pool, as an application runs it (see
// bench/lib/build-comparison.mjs), with pg.Pool and an identical copy of the first build as the
// noise floor. `npm run bench -- observability-overhead --before DIST` runs the same comparison.
//
//   node bench/tools/compare-builds.mjs --build before=PATH/index.js --build now=dist/index.js [--rounds 20] [--seconds 3]
// A build's index.js must live inside this repository, so that its `pg` import finds ours.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { compareBuilds } from '../lib/build-comparison.mjs'
import { startTrustedBackend } from '../lib/trusted-backend.mjs'

const { values } = parseArgs({
  options: {
    build: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '16' },
  },
  strict: true,
})
const builds = (values.build ?? []).map((spec) => {
  const at = spec.indexOf('=')
  if (at <= 0) throw new Error(`--build takes NAME=PATH/TO/index.js; got "${spec}"`)
  return { name: spec.slice(0, at), path: resolve(spec.slice(at + 1)) }
})
if (builds.length === 0) throw new Error('Give at least one --build NAME=PATH/TO/index.js')

const backend = await startTrustedBackend()
try {
  const result = await compareBuilds({
    builds,
    port: backend.port,
    rounds: Number(values.rounds),
    seconds: Number(values.seconds),
    workers: Number(values.workers),
    onRound: (done, of) => process.stderr.write(`round ${done}/${of}\r`),
  })
  const { rounds, seconds, workers } = result.settings
  console.log(
    `${rounds} rounds, one process per measurement (1 s warm-up, ${seconds} s measured), ${workers} workers, SELECT 1`,
  )
  for (const [name, micros] of Object.entries(result.cpuMicrosPerQuery))
    console.log(`${name.padEnd(40)} ${micros.toFixed(2)} µs/query (median)`)
  console.log('median of per-round ratios [95% bootstrap interval]:')
  for (const { of, to, median, low, high } of result.ratios)
    console.log(`${`${of} / ${to}`.padEnd(40)} ${median.toFixed(3)}  [${low.toFixed(3)}, ${high.toFixed(3)}]`)
} finally {
  await backend.stop()
}
