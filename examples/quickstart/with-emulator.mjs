// `npm run demo`: starts the local DSQL emulator (two Regions over an embedded PostgreSQL), runs
// the quickstart with only the emulator's environment, and shuts everything down.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startEmulator } from 'pg-dsql-emulator'

console.log('starting the DSQL emulator (embedded PostgreSQL, us-east-1 and us-east-2)...')
const emulator = await startEmulator()
for (const [key, value] of Object.entries(emulator.env)) {
  console.log(`  ${key}=${key === 'AWS_SECRET_ACCESS_KEY' ? '…' : value}`)
}
try {
  const script = fileURLToPath(new URL('./index.mjs', import.meta.url))
  const child = spawn(process.execPath, [script], {
    stdio: 'inherit',
    env: { ...process.env, ...emulator.env },
  })
  process.exitCode = await new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
} finally {
  await emulator.stop()
}
