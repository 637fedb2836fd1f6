// What the emulator's proxy costs: `SELECT 1` throughput through the emulator (TLS, relay, its own
// process, as `npx pg-dsql-emulator` runs) against straight to the same PostgreSQL (no TLS), with
// the same number of workers and pooled connections, fixed duration, alternating rounds, medians.
// `ratio` = through the emulator divided by direct; `relayRatio` is the same for a plain Node TCP
// relay (one more process, no TLS, no parsing): the floor for any proxy written in Node.
//
//   node bench/emulator-throughput.mjs [--workers 16] [--duration-ms 3000] [--rounds 5] [--json FILE]
//   npm run bench -- emulator-throughput
//
// Uses the built package (dist/): run `npm run build` first (`npm run bench` does).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import { startEmbeddedBackend } from 'pg-dsql-emulator'
import { benchSettings, machine, measure, median } from './lib/measure.mjs'

const cli = fileURLToPath(new URL('../emulator/dist/cli/main.js', import.meta.url))

/** Starts `pg-dsql-emulator` over `backendUrl` in its own process; resolves with its env. */
async function startEmulatorProcess(backendUrl, dir) {
  const envFile = join(dir, 'emulator.env')
  const child = spawn(
    process.execPath,
    [cli, '--regions', 'us-east-1', '--backend', backendUrl, '--env-out', envFile],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (out.includes('DSQL_EMULATOR_CONTROL=')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)))
  })
  const env = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
  const stop = () =>
    new Promise((resolve) => {
      child.once('exit', resolve)
      child.kill('SIGTERM')
    })
  return { env, stop }
}

// The floor for any proxy in Node: bytes piped through one more process, without TLS or parsing.
const RELAY = `
const net = require('node:net')
const [host, port] = [process.argv[1], Number(process.argv[2])]
const server = net.createServer((client) => {
  client.setNoDelay(true)
  const backend = net.connect(port, host)
  backend.setNoDelay(true)
  client.pipe(backend).pipe(client)
  client.on('error', () => backend.destroy())
  backend.on('error', () => client.destroy())
})
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`

async function startRelayProcess(backendUrl) {
  const url = new URL(backendUrl)
  const child = spawn(process.execPath, ['-e', RELAY, url.hostname, url.port], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const port = await new Promise((resolve) =>
    child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))),
  )
  url.port = String(port)
  return { url: url.href, stop: () => child.kill() }
}

export async function run(argv = process.argv.slice(2)) {
  const { durationMs, rounds, workers } = benchSettings(argv, { durationMs: 3000, rounds: 5, workers: 16 })
  const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-emulator-bench-'))
  const backend = await startEmbeddedBackend()
  const emulator = await startEmulatorProcess(backend.url, dir)
  const relay = await startRelayProcess(backend.url)
  try {
    const [host, address] = emulator.env.DSQL_ENDPOINTS.split('@')
    const signer = new DsqlSigner({
      hostname: host,
      region: emulator.env.AWS_REGION,
      credentials: {
        accessKeyId: emulator.env.AWS_ACCESS_KEY_ID,
        secretAccessKey: emulator.env.AWS_SECRET_ACCESS_KEY,
      },
    })
    const pools = {
      direct: new pg.Pool({ connectionString: backend.url, max: workers }),
      relay: new pg.Pool({ connectionString: relay.url, max: workers }),
      emulator: new pg.Pool({
        host: address.slice(0, address.lastIndexOf(':')),
        port: Number(address.slice(address.lastIndexOf(':') + 1)),
        user: 'admin',
        database: 'postgres',
        password: () => signer.getDbConnectAdminAuthToken(),
        ssl: { ca: readFileSync(emulator.env.PGSSLROOTCERT, 'utf8'), servername: host },
        max: workers,
      }),
    }
    const results = { direct: [], relay: [], emulator: [] }
    // Warm up: open every connection, so rounds measure queries only.
    for (const pool of Object.values(pools))
      await measure(() => pool.query('SELECT 1'), { workers, durationMs: 500 })
    for (let round = 0; round < rounds; round++) {
      const order = ['direct', 'relay', 'emulator']
      for (const name of round % 2 === 0 ? order : order.reverse()) {
        results[name].push(
          (await measure(() => pools[name].query('SELECT 1'), { workers, durationMs })).perSecond,
        )
      }
    }
    await Promise.all(Object.values(pools).map((pool) => pool.end()))
    const direct = median(results.direct)
    const throughRelay = median(results.relay)
    const throughEmulator = median(results.emulator)
    const report = {
      benchmark: 'emulator-throughput',
      query: 'SELECT 1',
      workers,
      durationMs,
      rounds,
      queriesPerSecond: {
        direct: Math.round(direct),
        relay: Math.round(throughRelay),
        emulator: Math.round(throughEmulator),
      },
      ratio: Number((throughEmulator / direct).toFixed(3)),
      relayRatio: Number((throughRelay / direct).toFixed(3)),
      machine: machine(),
    }
    console.log(
      `SELECT 1, ${workers} workers: direct ${report.queriesPerSecond.direct}/s; plain Node relay ` +
        `${report.queriesPerSecond.relay}/s (ratio ${report.relayRatio}); through the emulator ` +
        `${report.queriesPerSecond.emulator}/s (ratio ${report.ratio})`,
    )
    return report
  } finally {
    relay.stop()
    await emulator.stop()
    await backend.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { json: { type: 'string' } },
    strict: false,
  })
  const report = await run()
  if (typeof values.json === 'string') writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`)
}
