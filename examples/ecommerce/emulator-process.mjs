// The "cloud" of the demo: pg-dsql-emulator's own command in a child process, two Regions at
// realistic distances, driven through its HTTP control API the way any app or CI script would.
// In its own process it has its own core; the shoppers' process measures only the app's side.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** us-east-1 is the near Region, us-east-2 the far one; 10 ms between them. */
export const REGIONS = Object.freeze({ near: 'us-east-1', far: 'us-east-2' })
export const LATENCY_MS = Object.freeze({ 'us-east-1': 2, 'us-east-2': 40 })
export const INTER_REGION_RTT_MS = 10

function emulatorBin() {
  const require = createRequire(import.meta.url)
  const manifestPath = require.resolve('pg-dsql-emulator/package.json')
  const { bin } = JSON.parse(readFileSync(manifestPath, 'utf8'))
  return join(dirname(manifestPath), bin['pg-dsql-emulator'])
}

/**
 * Starts the emulator command and resolves once it printed its environment.
 * @returns {Promise<{ env: Record<string, string>, readyMs: number, isolate(region: string,
 *   mode?: 'refuse' | 'blackhole'): Promise<void>, heal(region: string): Promise<void>,
 *   stats(): Promise<any>, stop(): Promise<void> }>}
 */
export async function startEmulatorProcess() {
  const latency = Object.entries(LATENCY_MS)
    .map(([region, ms]) => `${region}=${ms}`)
    .join(',')
  const child = spawn(
    process.execPath,
    [
      emulatorBin(),
      '--regions',
      `${REGIONS.near},${REGIONS.far}`,
      '--latency',
      latency,
      '--inter-region-rtt',
      String(INTER_REGION_RTT_MS),
      // Its stdin is a pipe from the demo, which closes when the demo dies, SIGKILL included.
      '--stop-on-stdin-close',
    ],
    // A process group of its own: Ctrl-C in the terminal reaches the demo, which stops the
    // shoppers and still needs the cluster for its audit; the demo stops the emulator itself,
    // kills it if the demo exits any other way, and if the demo is killed, the emulator stops
    // when its stdin closes.
    { stdio: ['pipe', 'pipe', 'pipe'], detached: true },
  )
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))

  const { env, readyMs } = await new Promise((resolve, reject) => {
    const found = {}
    let buffered = ''
    let readyLine = ''
    const onData = (chunk) => {
      buffered += chunk
      let newline = buffered.indexOf('\n')
      while (newline !== -1) {
        const line = buffered.slice(0, newline)
        buffered = buffered.slice(newline + 1)
        newline = buffered.indexOf('\n')
        if (line.startsWith('# pg-dsql-emulator:')) readyLine = line
        const match = /^([A-Z_]+)=(.*)$/.exec(line)
        if (match !== null) found[match[1]] = match[2]
        if (match?.[1] === 'DSQL_EMULATOR_CONTROL') {
          child.stdout.off('data', onData)
          child.stdout.resume()
          resolve({ env: found, readyMs: Number(/ready in (\d+) ms/.exec(readyLine)?.[1] ?? Number.NaN) })
        }
      }
    }
    child.stdout.setEncoding('utf8').on('data', onData)
    exited.then((code) =>
      reject(new Error(`the emulator exited (${code}) before it was ready: ${stderr.trim() || 'no output'}`)),
    )
  })

  const control = async (method, path, body) => {
    const response = await fetch(`${env.DSQL_EMULATOR_CONTROL}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    })
    if (!response.ok) {
      throw new Error(
        `emulator control ${method} ${path} answered ${response.status}: ${await response.text()}`,
      )
    }
    return response.status === 204 ? undefined : response.json()
  }

  return {
    env,
    readyMs,
    // A network partition: the Region accepts TCP and never answers; open sessions are cut.
    isolate: async (region, mode = 'blackhole') => {
      await control('POST', `/regions/${region}/isolate`, { mode, existing: 'drop' })
    },
    heal: async (region) => {
      await control('POST', `/regions/${region}/heal`)
    },
    stats: () => control('GET', '/stats'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }
      process.off('exit', killOnExit)
    },
  }
}
