import { chmod, cp, lstat, mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { canRun } from '../../src/backend/binary-cache.js'
import { startPostgresServer } from '../../src/backend/embedded-backend.js'
import { locatePostgresBinaries } from '../../src/backend/postgres-binaries.js'
import { ensurePostgresUser } from '../../src/backend/postgres-user.js'
import { EmulatorBackendError, startEmbeddedBackend } from '../../src/index.js'
import { scratchFolders } from '../support/scratch.js'

const isRoot = process.getuid?.() === 0

async function selectOne(url: string): Promise<unknown> {
  const client = new pg.Client(url)
  await client.connect()
  try {
    return (await client.query('SELECT 1 AS one')).rows
  } finally {
    await client.end()
  }
}

describe('embedded backend', () => {
  const scratch = scratchFolders()

  it.runIf(isRoot)(
    'runs as root from binaries in a folder the postgres user cannot enter, through one shared copy',
    async () => {
      // A project under a 0700 home: a real copy, since a symlink would resolve to the open original.
      const home = await scratch('pg-dsql-locked-home-')
      await chmod(home, 0o700)
      const nativeDir = join(home, 'project', 'native')
      await cp(locatePostgresBinaries().nativeDir, nativeDir, { recursive: true, verbatimSymlinks: true })
      const binaries = { nativeDir, version: `test-${process.pid}` }
      expect(await canRun(binaries, await ensurePostgresUser())).toBe(false)

      // Where the copy goes must let every user through, as the system's temporary folder does.
      const cacheRoot = await scratch('pg-dsql-binary-cache-')
      await chmod(cacheRoot, 0o755)
      const first = await startPostgresServer({ binaries, cacheRoot })
      try {
        expect(first.binaries.nativeDir.startsWith(`${cacheRoot}/`)).toBe(true)
        expect((await stat(first.binaries.nativeDir)).mode & 0o777).toBe(0o755)
        expect(await selectOne(first.url)).toEqual([{ one: 1 }])
      } finally {
        await first.stop()
      }
      // The next start finds the copy and runs from it as it is.
      const copied = await lstat(first.binaries.nativeDir)
      const second = await startPostgresServer({ binaries, cacheRoot })
      try {
        expect(second.binaries.nativeDir).toBe(first.binaries.nativeDir)
        const reused = await lstat(second.binaries.nativeDir)
        expect([reused.ino, reused.mtimeMs]).toEqual([copied.ino, copied.mtimeMs])
        expect(await selectOne(second.url)).toEqual([{ one: 1 }])
      } finally {
        await second.stop()
      }
    },
  )

  it('rejects binaries that cannot be run with an EmulatorBackendError naming the program and the fix', async () => {
    const nativeDir = join(await scratch('pg-dsql-broken-binaries-'), 'native')
    await mkdir(join(nativeDir, 'bin'), { recursive: true })
    for (const program of ['initdb', 'postgres']) {
      await writeFile(join(nativeDir, 'bin', program), 'not a program\n', { mode: 0o644 })
    }
    const error = await startPostgresServer({
      binaries: { nativeDir, version: `broken-${process.pid}` },
      cacheRoot: await scratch('pg-dsql-binary-cache-'),
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorBackendError)
    expect(error).toMatchObject({ code: 'ERR_DSQL_EMULATOR_BACKEND', option: 'backend' })
    const message = (error as Error).message
    expect(message).toMatch(/cannot run .*\/bin\/(initdb|postgres)/)
    expect(message).toContain("backend: 'postgres://...'")
  })

  it('rejects a server that exits while starting, quoting its log and naming the fix', async () => {
    const nativeDir = join(await scratch('pg-dsql-failing-binaries-'), 'native')
    await mkdir(join(nativeDir, 'bin'), { recursive: true })
    await writeFile(join(nativeDir, 'bin', 'initdb'), '#!/bin/sh\nexit 0\n', { mode: 0o755 })
    const postgres =
      '#!/bin/sh\n[ "$1" = --version ] && exit 0\necho "FATAL:  could not map shared memory" >&2\nexit 1\n'
    await writeFile(join(nativeDir, 'bin', 'postgres'), postgres, { mode: 0o755 })
    const cacheRoot = await scratch('pg-dsql-binary-cache-')
    await chmod(cacheRoot, 0o755)
    const error = await startPostgresServer({
      binaries: { nativeDir, version: `failing-${process.pid}` },
      cacheRoot,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorBackendError)
    const message = (error as Error).message
    expect(message).toMatch(/^The embedded PostgreSQL backend exited while starting \(exit code 1\)\. /)
    expect(message).toContain("or pass a PostgreSQL URL: `backend: 'postgres://...'`")
    expect(message).toContain('FATAL:  could not map shared memory')
  })

  it('refuses a data directory that already holds files, and leaves them alone', async () => {
    const dir = await scratch('pg-dsql-used-dir-')
    await mkdir(join(dir, 'pgdata'))
    await writeFile(join(dir, 'pgdata', 'PG_VERSION'), '15\n')
    const error = await startEmbeddedBackend({ dir }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorBackendError)
    expect((error as Error).message).toBe(
      `The embedded PostgreSQL backend cannot use ${join(dir, 'pgdata')}: it already exists and is not empty. ` +
        'Pass a dir without a pgdata folder (or leave dir out for a new temporary directory).',
    )
    expect((await stat(join(dir, 'pgdata', 'PG_VERSION'))).isFile()).toBe(true)
  })

  it('refuses a dir that does not exist, naming it and the fix', async () => {
    // Under /proc, where Node's recursive mkdir would loop forever for a normal user.
    for (const dir of [join(await scratch('pg-dsql-missing-'), 'absent'), '/proc/pg-dsql-absent']) {
      const error = await startEmbeddedBackend({ dir }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EmulatorBackendError)
      expect((error as Error).message).toBe(
        `The embedded PostgreSQL backend cannot use dir ${dir}: it is not an existing folder. Create it ` +
          'first, or leave dir out for a new temporary directory.',
      )
    }
  })

  it('starts in a given folder and removes only its data directory at stop', async () => {
    const dir = await scratch('pg-dsql-given-dir-')
    const backend = await startEmbeddedBackend({ dir })
    expect(await selectOne(backend.url)).toEqual([{ one: 1 }])
    await backend.stop()
    expect((await stat(dir)).isDirectory()).toBe(true)
    await expect(stat(join(dir, 'pgdata'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
