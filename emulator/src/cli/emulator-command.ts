import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { EmulatorError } from '../emulator-error.js'
import type { EmulatorOptions } from '../emulator-options.js'
import { startEmulator } from '../start-emulator.js'

/** Where the command writes (and, with --stop-on-stdin-close, reads); tests pass their own streams. */
export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** Watched with --stop-on-stdin-close; process.stdin when not given. */
  stdin?: NodeJS.ReadableStream
}

export const emulatorUsage = `Usage: pg-dsql-emulator [options]
       (also: pg-dsql emulator [options], when pg-dsql is installed next to it)

Runs a local Aurora DSQL emulator until SIGINT, SIGTERM or SIGHUP, and prints the environment a
client needs: DSQL_ENDPOINTS, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, the first
Region's PGHOST (TLS and token), PGHOSTADDR and PGPORT (TCP), PGSSLMODE=verify-full,
PGSSLROOTCERT, PGUSER, PGDATABASE and DSQL_EMULATOR_CONTROL.

Options:
  --regions a,b               one Region or two of one Region set (default us-east-1,us-east-2)
  --port N                    first Region's port; the next Regions get N+1, ... (default: free ports)
  --host ADDRESS              address to listen on (default 127.0.0.1)
  --backend URL               a postgres:// URL instead of the embedded PostgreSQL
  --max-connection-age S      close sessions after S seconds (default 3600)
  --latency R=MS,R=MS         client round-trip time per Region, or one number for all
  --inter-region-rtt MS       round trip paid by each commit that wrote (default 0)
  --env-file FILE             also write the environment to FILE as KEY=VALUE lines
  --env-out FILE              the same: Node.js 20 and 22 read --env-file themselves, even after
                              the script name, and stop when FILE does not exist yet
  --stop-on-stdin-close       also stop when standard input closes: a program that runs the
                              emulator as a child, with a pipe for stdin, has it stop when it
                              exits or dies, even by SIGKILL
  -h, --help                  show this help
`

class UsageError extends Error {}

function toNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`${flag} must be a number; got "${text}".`)
  return value
}

function parseLatency(text: string | undefined): EmulatorOptions['latencyMs'] {
  if (text === undefined) return undefined
  if (!text.includes('=')) return toNumber('--latency', text)
  const latency: Record<string, number> = {}
  for (const pair of text.split(',')) {
    const [region, ms] = pair.split('=')
    if (region === undefined || region === '' || ms === undefined) {
      throw new UsageError(`--latency takes REGION=MS pairs separated by commas; got "${text}".`)
    }
    latency[region.trim()] = toNumber('--latency', ms)!
  }
  return latency
}

interface ParsedCommand {
  options: EmulatorOptions
  envFile?: string
  stopOnStdinClose: boolean
  help: boolean
}

function optionsFrom(args: readonly string[]): ParsedCommand {
  const { values } = parseArgs({
    args: [...args],
    options: {
      regions: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      backend: { type: 'string' },
      'max-connection-age': { type: 'string' },
      latency: { type: 'string' },
      'inter-region-rtt': { type: 'string' },
      'env-file': { type: 'string' },
      'env-out': { type: 'string' },
      'stop-on-stdin-close': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  const options: EmulatorOptions = {}
  const set = <K extends keyof EmulatorOptions>(key: K, value: EmulatorOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value
  }
  set(
    'regions',
    values.regions?.split(',').map((region) => region.trim()),
  )
  set('port', toNumber('--port', values.port))
  set('host', values.host)
  set('backend', values.backend)
  set('maxConnectionAgeSec', toNumber('--max-connection-age', values['max-connection-age']))
  set('latencyMs', parseLatency(values.latency))
  set('interRegionRttMs', toNumber('--inter-region-rtt', values['inter-region-rtt']))
  const envFile = values['env-out'] ?? values['env-file']
  return {
    options,
    ...(envFile === undefined ? {} : { envFile }),
    stopOnStdinClose: values['stop-on-stdin-close'] === true,
    help: values.help === true,
  }
}

/**
 * The signals that stop the command cleanly. SIGHUP too: a closed terminal or an SSH session
 * that drops sends it, and Node's default for it is to die at once, leaving PostgreSQL's data.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * Resolves with why the command should stop: a stop signal, or (when `stdin` is given) the end
 * of standard input. A parent that dies by SIGKILL sends no signal, but the kernel closes its end
 * of the pipe, so its child still stops, PostgreSQL and temporary files included.
 */
function waitForStop(stdin: NodeJS.ReadableStream | undefined): {
  received: Promise<string>
  cancel(): void
} {
  let stop: (reason: string) => void = () => undefined
  const onStdinClosed = () => stop('stdin closed')
  const cancel = () => {
    for (const signal of STOP_SIGNALS) process.off(signal, stop)
    stdin?.off('end', onStdinClosed).off('close', onStdinClosed)
    stdin?.pause()
  }
  const received = new Promise<string>((resolve) => {
    stop = (reason) => {
      cancel()
      resolve(reason)
    }
  })
  for (const signal of STOP_SIGNALS) process.on(signal, stop)
  // Read and discard what comes: only the end matters, and a paused stream would never end.
  stdin?.on('end', onStdinClosed).on('close', onStdinClosed).resume()
  return { received, cancel }
}

/**
 * `pg-dsql-emulator` (and `pg-dsql emulator`): starts the emulator, prints its environment, stops
 * on SIGINT, SIGTERM or SIGHUP (or when stdin closes, with --stop-on-stdin-close).
 */
export async function runEmulatorCommand(args: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof optionsFrom>
  try {
    parsed = optionsFrom(args)
  } catch (error) {
    io.stderr.write(`pg-dsql-emulator: ${(error as Error).message}\n\n${emulatorUsage}`)
    return 2
  }
  if (parsed.help) {
    io.stdout.write(emulatorUsage)
    return 0
  }
  // Listen before starting, so a signal during start still stops cleanly.
  const stopping = waitForStop(parsed.stopOnStdinClose ? (io.stdin ?? process.stdin) : undefined)
  const startedMs = performance.now()
  let emulator: Awaited<ReturnType<typeof startEmulator>>
  try {
    emulator = await startEmulator(parsed.options)
  } catch (error) {
    stopping.cancel()
    const message =
      error instanceof EmulatorError
        ? error.message
        : `the emulator did not start: ${(error as Error).message}`
    io.stderr.write(`pg-dsql-emulator: ${message}\n`)
    return 1
  }
  const lines = Object.entries(emulator.env).map(([key, value]) => `${key}=${value}`)
  if (parsed.envFile !== undefined) {
    try {
      // It holds the secret access key: readable by the owner only.
      await writeFile(parsed.envFile, `${lines.join('\n')}\n`, { mode: 0o600 })
    } catch (error) {
      stopping.cancel()
      await emulator.stop()
      io.stderr.write(
        `pg-dsql-emulator: cannot write the env file ${parsed.envFile} (${(error as Error).message}). ` +
          'Pass --env-file a path in a folder you can write to.\n',
      )
      return 1
    }
  }
  const witness = emulator.witnessRegion === undefined ? '' : `, witness ${emulator.witnessRegion}`
  io.stdout.write(
    `# pg-dsql-emulator: ${emulator.regions.join(', ')}${witness}; ready in ${Math.round(performance.now() - startedMs)} ms. ` +
      `Ctrl-C stops it.\n${lines.join('\n')}\n`,
  )
  const received = await stopping.received
  io.stdout.write(`# ${received}: stopping\n`)
  await emulator.stop()
  io.stdout.write('# stopped\n')
  return 0
}
