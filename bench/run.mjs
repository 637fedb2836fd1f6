// Runs one benchmark: `npm run bench -- <name> [--json FILE] [options]`. Each benchmark is a
// module in this folder exporting `run(args)` that returns a JSON-able report.
import { readdirSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const available = readdirSync(new URL('.', import.meta.url))
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
  .map((file) => file.slice(0, -'.mjs'.length))

const [name, ...rest] = process.argv.slice(2)
if (name === undefined || !available.includes(name)) {
  console.error(`Usage: npm run bench -- <${available.join('|')}> [--json FILE] [options]`)
  process.exit(name === undefined ? 1 : 2)
}
const { values } = parseArgs({ args: rest, options: { json: { type: 'string' } }, strict: false })
const benchmark = await import(`./${name}.mjs`)
const report = await benchmark.run(rest)
if (typeof values.json === 'string') {
  writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`)
  console.log(`\nWrote ${values.json}`)
}
