// Runs one example against the local DSQL emulator: `node examples/run.mjs <name>` starts the
// emulator (one Region over an embedded PostgreSQL), runs examples/<name>/index.mjs with only the
// emulator's environment, and shuts everything down. `npm run example -- <name>` builds first.
// (`npm run demo` is examples/ecommerce/main.mjs: it starts its own emulator, with Region latencies.)
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startEmulator } from 'pg-dsql-emulator'

const here = fileURLToPath(new URL('.', import.meta.url))
const available = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${here}${entry.name}/index.mjs`))
  .map((entry) => entry.name)
const name = process.argv[2] ?? 'quickstart'
if (!available.includes(name)) {
  console.error(`Usage: node examples/run.mjs <${available.join('|')}>`)
  process.exit(2)
}

console.log(`starting the DSQL emulator (embedded PostgreSQL) for examples/${name}...`)
const emulator = await startEmulator({ regions: ['us-east-1', 'us-east-2'] })
for (const [key, value] of Object.entries(emulator.env)) {
  console.log(`  ${key}=${key === 'AWS_SECRET_ACCESS_KEY' ? '…' : value}`)
}
try {
  const child = spawn(process.execPath, [`${here}${name}/index.mjs`], {
    stdio: 'inherit',
    env: { ...process.env, ...emulator.env },
  })
  process.exitCode = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
} finally {
  await emulator.stop()
}
