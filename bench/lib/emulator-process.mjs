// The emulator in a process of its own, so it does not share the benchmark's event loop or its
// CPU accounting: `process.cpuUsage()` in the benchmark then counts the client libraries only.
// Options are `startEmulator`'s; isolation and stats go through the control API.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

const SCRIPT = `
const { startEmulator } = await import('pg-dsql-emulator')
const emulator = await startEmulator(JSON.parse(process.argv[1]))
const { accessKeyId, secretAccessKey } = emulator.credentials
console.log(JSON.stringify({
  endpoints: emulator.endpoints,
  regions: emulator.regions,
  caCertPath: emulator.caCertPath,
  controlUrl: emulator.controlUrl,
  credentials: { accessKeyId, secretAccessKey },
}))
const stop = () => emulator.stop().then(() => process.exit(0), () => process.exit(1))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
// Its stdin is a pipe from the benchmark: it closes when the benchmark dies, even by SIGKILL.
process.stdin.once('end', stop).resume()
`

/** Starts an emulator process; resolves with its endpoints, credentials and control helpers. */
export async function startEmulatorProcess(options = {}) {
  const child = spawn(process.execPath, ['--input-type=module', '--eval', SCRIPT, JSON.stringify(options)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const info = await new Promise((resolve, reject) => {
    let out = ''
    const onData = (chunk) => {
      out += chunk
      const newline = out.indexOf('\n')
      if (newline >= 0) {
        child.stdout.off('data', onData)
        child.off('exit', onExit)
        resolve(JSON.parse(out.slice(0, newline)))
      }
    }
    const onExit = (code) => reject(new Error(`the emulator process exited (${code}) before it started`))
    child.stdout.on('data', onData)
    child.once('exit', onExit)
  })
  const control = async (method, path, body) => {
    const response = await fetch(`${info.controlUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    })
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
    return response.status === 204 ? undefined : response.json()
  }
  return {
    ...info,
    pid: child.pid,
    isolate: (region, body) => control('POST', `/regions/${region}/isolate`, body),
    heal: (region) => control('POST', `/regions/${region}/heal`),
    stats: () => control('GET', '/stats'),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
