// Client CPU per query of builds of DsqlPool against each other, the way an application meets
// them: each measurement a process of its own with one pool (build-comparison-child.mjs), so no
// build shares V8's type feedback with another (in one process, pg's own functions would see
// every build's client class, and a pool without adapters would share code with pools that have
// them). Rounds rotate the order; each round's ratio of two contenders, then the median and a 95%
// bootstrap interval of it. pg.Pool runs too, and the first build runs twice per round, from a
// copy of its folder: the identical pair shows how far apart equal code measures here.
import { execFile } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { median } from './measure.mjs'

const run = promisify(execFile)
const child = fileURLToPath(new URL('./build-comparison-child.mjs', import.meta.url))

/**
 * `builds`: `{ name, path }` with `path` a build's index.js inside this repository (so its `pg`
 * import finds ours); `port`: a trusted PostgreSQL's. Returns each contender's median CPU per
 * query (µs) and `ratios`: each build over pg.Pool, and every later contender over the first build.
 */
export async function compareBuilds({ builds, port, rounds = 20, seconds = 3, workers = 16, onRound }) {
  const first = builds[0]
  const copyDir = `${dirname(first.path)}.copy-${process.pid}`
  cpSync(dirname(first.path), copyDir, { recursive: true })
  try {
    const contenders = [
      { name: 'pg.Pool', path: 'pg.Pool' },
      ...builds,
      { name: `${first.name} (copy)`, path: join(copyDir, basename(first.path)) },
    ]
    const cpu = Object.fromEntries(contenders.map(({ name }) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      // Rotate, and reverse every other round, so no contender always follows the same one.
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length])
      if (round % 2 === 1) order.reverse()
      for (const { name, path } of order) {
        const { stdout } = await run(process.execPath, [
          child,
          path,
          String(port),
          String(seconds),
          String(workers),
        ])
        cpu[name].push(JSON.parse(stdout).cpu)
      }
      onRound?.(round + 1, rounds)
    }
    const ratio = (of, to) => {
      const samples = cpu[of].map((value, round) => value / cpu[to][round])
      const [low, high] = bootstrapInterval(samples)
      return { of, to, median: median(samples), low, high }
    }
    return {
      settings: { rounds, seconds, workers, warmUpSeconds: 1 },
      cpuMicrosPerQuery: Object.fromEntries(contenders.map(({ name }) => [name, median(cpu[name])])),
      ratios: [
        ...contenders.slice(1).map(({ name }) => ratio(name, 'pg.Pool')),
        ...contenders.slice(2).map(({ name }) => ratio(name, first.name)),
      ],
    }
  } finally {
    rmSync(copyDir, { recursive: true, force: true })
  }
}

/** The 95% bootstrap interval of the median of `samples`. */
function bootstrapInterval(samples) {
  const medians = []
  for (let i = 0; i < 2000; i++)
    medians.push(median(samples.map(() => samples[Math.floor(Math.random() * samples.length)])))
  medians.sort((a, b) => a - b)
  return [medians[50], medians[1949]]
}
