import { readFileSync } from 'node:fs'
import { lstat, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { reasonOf } from '../emulator-error.js'

/** The temporary folders an emulator makes: its work folder, and an embedded backend's own. */
export const TEMP_DIR_PREFIXES = ['pg-dsql-emulator-', 'pg-dsql-backend-'] as const
export type TempDirPrefix = (typeof TEMP_DIR_PREFIXES)[number]

/** A folder `mkdtemp` made with one of the prefixes (six random characters after it). */
const TEMP_DIR_NAME = /^pg-dsql-(?:emulator|backend)-[A-Za-z0-9]{6}$/

/** In each folder: who made it, so a later start can tell whether it still lives. */
export const OWNER_FILE = 'pg-dsql-owner.json'

interface Owner {
  readonly pid: number
  readonly host: string
  /**
   * The owner's PID namespace on Linux (`pid:[4026531836]`), `null` elsewhere: a container that
   * shares the temporary folder has pids of its own, and its live emulators would look dead.
   */
  readonly pidNamespace: string | null
}

/** This process's PID namespace (Linux), or `null`. */
async function pidNamespace(): Promise<string | null> {
  return readlink('/proc/self/ns/pid').catch(() => null)
}

/**
 * A new private folder (0700) in the temporary folder, marked with this process as its owner.
 * If the process dies without removing it (SIGKILL, a crash, `process.exit()`), the next start's
 * `sweepStaleTempDirs` removes it.
 */
export async function makeOwnedTempDir(prefix: TempDirPrefix, root: string = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(root, prefix))
  const owner: Owner = { pid: process.pid, host: hostname(), pidNamespace: await pidNamespace() }
  await writeFile(join(dir, OWNER_FILE), JSON.stringify(owner), { mode: 0o600 })
  return dir
}

/**
 * Whether a process lives: signal 0 checks without sending (EPERM: it lives, as another user).
 * A zombie does not: it has exited and waits for a parent to reap it, which an orphaned server
 * in a container whose first process reaps nothing never gets (Linux's /proc tells).
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return true
  }
  // "pid (comm) state ...": comm may hold spaces and parentheses, so read after the last ')'.
  return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z'
}

export interface SweepOptions {
  /** Where to look; default the temporary folder. Only its direct children are considered. */
  readonly root?: string
  readonly isAlive?: (pid: number) => boolean
  /** Called for a folder that could not be removed (it is left as it is); default a process warning. */
  readonly onError?: (dir: string, error: unknown) => void
}

/**
 * Removes the folders of emulators that died without stopping: a direct child of the temporary
 * folder named like one (`pg-dsql-emulator-XXXXXX`, `pg-dsql-backend-XXXXXX`, not a symlink),
 * owned by this user, marked by a process of this host and PID namespace that no longer runs, and whose
 * PostgreSQL (`pgdata/postmaster.pid`) no longer runs either. A folder without a readable mark
 * (made by another version, or being made right now) is never touched, nor is anything else.
 * Resolves with the folders removed.
 */
export async function sweepStaleTempDirs(options: SweepOptions = {}): Promise<readonly string[]> {
  const root = options.root ?? tmpdir()
  const isAlive = options.isAlive ?? isProcessAlive
  const here = { host: hostname(), pidNamespace: await pidNamespace() }
  const entries = await readdir(root, { withFileTypes: true }).catch(() => [])
  const removed: string[] = []
  for (const entry of entries) {
    if (!entry.isDirectory() || !TEMP_DIR_NAME.test(entry.name)) continue
    const dir = join(root, entry.name)
    if (!(await isStale(dir, here, isAlive))) continue
    try {
      await rm(dir, { recursive: true, force: true })
      removed.push(dir)
    } catch (error) {
      ;(options.onError ?? warnUnswept)(dir, error)
    }
  }
  return removed
}

/** A dead emulator's folder the sweep could not remove: worth a warning, never a failed start. */
function warnUnswept(dir: string, error: unknown): void {
  process.emitWarning(
    `pg-dsql-emulator: cannot remove ${dir}, left by an emulator that died (${reasonOf(error)}).`,
  )
}

async function isStale(
  dir: string,
  here: Omit<Owner, 'pid'>,
  isAlive: (pid: number) => boolean,
): Promise<boolean> {
  const stats = await lstat(dir).catch(() => undefined)
  if (stats === undefined || !stats.isDirectory()) return false
  if (process.getuid !== undefined && stats.uid !== process.getuid()) return false
  const owner = await readOwner(join(dir, OWNER_FILE))
  if (owner === undefined || owner.host !== here.host || owner.pidNamespace !== here.pidNamespace)
    return false
  if (owner.pid === process.pid || isAlive(owner.pid)) return false
  const serverPid = await readServerPid(join(dir, 'pgdata', 'postmaster.pid'))
  return serverPid === undefined || !isAlive(serverPid)
}

async function readOwner(file: string): Promise<Owner | undefined> {
  try {
    const { pid, host, pidNamespace } = JSON.parse(await readFile(file, 'utf8')) as Partial<Owner>
    const valid = Number.isSafeInteger(pid) && pid! > 0 && typeof host === 'string'
    return valid && (typeof pidNamespace === 'string' || pidNamespace === null)
      ? { pid: pid!, host, pidNamespace }
      : undefined
  } catch {
    return undefined
  }
}

/** The postmaster's pid, first line of its pid file; `undefined` when it has none. */
async function readServerPid(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  const pid = Number(text?.split('\n')[0])
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}
