// Runs benchmarks: `npm run bench -- <name> [--quick] [--json FILE] [options]`. Each benchmark is
// a module in this folder exporting `run(argv)` that prints tables and returns a JSON report with
// a top-level `ratios` object (ours / baseline) beside its raw figures (see lib/report.mjs).
//
//   npm run bench -- all [--quick] [--json FILE] [--markdown FILE] [--charts DIR] [--before DIST]
//     runs every benchmark of BENCHMARKS.md, each in a fresh process (`--before` goes to
//     observability-overhead: a DsqlPool built from another checkout), then writes
//     bench/results/latest.json, BENCHMARKS.md and one SVG chart per benchmark under docs/
//     (with --quick: into a temporary folder, unless told where).
//   npm run bench -- report [--json FILE] [--markdown FILE] [--charts DIR]
//     regenerates BENCHMARKS.md and the charts from the JSON without running anything.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { BENCHMARK_ORDER, renderBenchmarks } from './lib/benchmarks-md.mjs'
import { machine } from './lib/measure.mjs'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = join(here, '..')
const available = readdirSync(here)
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
  .map((file) => file.slice(0, -'.mjs'.length))

const [name, ...rest] = process.argv.slice(2)
const commands = [...available, 'all', 'report']
if (name === undefined || !commands.includes(name)) {
  console.error(`Usage: npm run bench -- <${commands.join('|')}> [--quick] [--json FILE] [options]`)
  process.exit(name === undefined ? 1 : 2)
}
const { values } = parseArgs({
  args: rest,
  options: {
    json: { type: 'string' },
    markdown: { type: 'string' },
    charts: { type: 'string' },
    quick: { type: 'boolean' },
    before: { type: 'string' },
  },
  strict: false,
})

if (name === 'all' || name === 'report') {
  const scratch =
    values.quick === true && name === 'all' ? mkdtempSync(join(tmpdir(), 'pg-dsql-bench-')) : undefined
  const jsonPath = values.json ?? join(scratch ?? join(here, 'results'), 'latest.json')
  const markdownPath = values.markdown ?? join(scratch ?? root, 'BENCHMARKS.md')
  const chartsDir = values.charts ?? join(scratch ?? root, 'docs')
  const latest =
    name === 'all' ? runAll(values.quick === true, values.before) : JSON.parse(readFileSync(jsonPath, 'utf8'))
  if (name === 'all') {
    mkdirSync(dirname(jsonPath), { recursive: true })
    writeFileSync(jsonPath, `${JSON.stringify(latest, null, 2)}\n`)
  }
  writeMarkdown(latest, markdownPath, chartsDir)
  console.log(
    `\nWrote ${[name === 'all' ? jsonPath : undefined, markdownPath, chartsDir].filter(Boolean).join(', ')}`,
  )
  process.exit(Object.values(latest.benches).some((report) => report.error !== undefined) ? 1 : 0)
}

const benchmark = await import(`./${name}.mjs`)
const report = await benchmark.run(rest)
if (typeof values.json === 'string') {
  writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`)
  console.log(`\nWrote ${values.json}`)
}
// A benchmark may leave sockets a black hole never answers: its report is out, so stop here.
process.exit(0)

/** Every benchmark in a fresh process, one after the other; their reports under `benches`. */
function runAll(quick, before) {
  const startedAt = performance.now()
  const loadBefore = Number(loadavg()[0].toFixed(2))
  const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-bench-json-'))
  const benches = {}
  try {
    for (const bench of BENCHMARK_ORDER) {
      const file = join(dir, `${bench}.json`)
      console.log(`\n=== ${bench} ===`)
      const began = performance.now()
      try {
        execFileSync(
          process.execPath,
          [
            fileURLToPath(import.meta.url),
            bench,
            '--json',
            file,
            ...(quick ? ['--quick'] : []),
            ...(before !== undefined && bench === 'observability-overhead' ? ['--before', before] : []),
          ],
          { stdio: 'inherit', cwd: root },
        )
        benches[bench] = checked(JSON.parse(readFileSync(file, 'utf8')), bench)
      } catch (error) {
        benches[bench] = { benchmark: bench, error: String(error.message).split('\n')[0] }
      }
      benches[bench].elapsedSec = Math.round((performance.now() - began) / 100) / 10
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return {
    date: new Date().toISOString(),
    machine: machine(),
    load: { before: loadBefore, after: Number(loadavg()[0].toFixed(2)) },
    durationSec: Math.round((performance.now() - startedAt) / 1000),
    quick,
    benches,
  }
}

/** A report must name itself and carry ratios (numbers or null), tables and a chart. */
function checked(report, bench) {
  const ratios = Object.values(report.ratios ?? {})
  const problems = [
    report.benchmark === bench ? undefined : `benchmark is ${JSON.stringify(report.benchmark)}`,
    ratios.length > 0 && ratios.every((value) => value === null || Number.isFinite(value))
      ? undefined
      : 'ratios is missing, empty or not numbers',
    Array.isArray(report.tables) && report.tables.length > 0 ? undefined : 'tables is missing',
    report.chart?.kind === 'bar' || report.chart?.kind === 'line' ? undefined : 'chart is missing',
  ].filter(Boolean)
  if (problems.length > 0) throw new Error(`${bench} wrote a report without its keys: ${problems.join('; ')}`)
  return report
}

function writeMarkdown(latest, markdownPath, chartsDir) {
  const notesDir = join(here, 'notes')
  const notes = Object.fromEntries(
    existsSync(notesDir)
      ? readdirSync(notesDir)
          .filter((file) => file.endsWith('.md'))
          .map((file) => [file.slice(0, -'.md'.length), readFileSync(join(notesDir, file), 'utf8')])
      : [],
  )
  const { markdown, charts } = renderBenchmarks(latest, {
    notes,
    chartsDir: relative(dirname(markdownPath), chartsDir) || '.',
  })
  mkdirSync(dirname(markdownPath), { recursive: true })
  writeFileSync(markdownPath, markdown)
  mkdirSync(chartsDir, { recursive: true })
  for (const [file, svg] of Object.entries(charts)) writeFileSync(join(chartsDir, file), svg)
}
