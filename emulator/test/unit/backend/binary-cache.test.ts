import { chmod, lstat, mkdir, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cacheDirFor, cachedCopy, canRun } from '../../../src/backend/binary-cache.js'
import type { PostgresBinaries } from '../../../src/backend/postgres-binaries.js'
import { ensurePostgresUser } from '../../../src/backend/postgres-user.js'
import { EmulatorBackendError } from '../../../src/emulator-error.js'
import { scratchFolders } from '../../support/scratch.js'

const isRoot = process.getuid?.() === 0

describe('binary cache', () => {
  const scratch = scratchFolders()

  /** A small stand-in for a `native` folder, as private as a project under a 0700 home makes it. */
  async function fakeBinaries(): Promise<PostgresBinaries> {
    const nativeDir = join(await scratch('pg-dsql-fake-native-'), 'native')
    await mkdir(join(nativeDir, 'bin'), { recursive: true, mode: 0o700 })
    await mkdir(join(nativeDir, 'lib'), { mode: 0o700 })
    await writeFile(join(nativeDir, 'bin', 'postgres'), '#!/bin/sh\necho "postgres (PostgreSQL) 16"\n', {
      mode: 0o700,
    })
    await writeFile(join(nativeDir, 'lib', 'libpq.so.5.16'), 'library', { mode: 0o600 })
    await symlink('libpq.so.5.16', join(nativeDir, 'lib', 'libpq.so.5'))
    await writeFile(
      join(nativeDir, 'pg-symlinks.json'),
      JSON.stringify([{ source: 'native/lib/libpq.so.5.16', target: 'native/lib/libpq.so' }]),
    )
    return { nativeDir, version: `0.0.0-test-${process.pid}` }
  }

  it('copies the binaries once per version, readable and runnable by every user, links kept', async () => {
    const binaries = await fakeBinaries()
    const cacheRoot = await scratch('pg-dsql-cache-')
    const copy = await cachedCopy(binaries, cacheRoot)
    expect(copy).toEqual({ nativeDir: cacheDirFor(binaries, cacheRoot), version: binaries.version })
    expect((await stat(copy.nativeDir)).mode & 0o777).toBe(0o755)
    expect((await stat(join(copy.nativeDir, 'bin'))).mode & 0o777).toBe(0o755)
    expect((await stat(join(copy.nativeDir, 'bin', 'postgres'))).mode & 0o777).toBe(0o755)
    expect((await stat(join(copy.nativeDir, 'lib', 'libpq.so.5.16'))).mode & 0o777).toBe(0o644)
    expect(await readlink(join(copy.nativeDir, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.16')
    // The link npm could not ship, made in the copy as the package's install script would.
    expect(await readlink(join(copy.nativeDir, 'lib', 'libpq.so'))).toBe('libpq.so.5.16')

    const before = await lstat(copy.nativeDir)
    expect(await cachedCopy(binaries, cacheRoot)).toEqual(copy)
    const after = await lstat(copy.nativeDir)
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs])
  })

  it('lets concurrent starts race: one copy wins, all use it, and no partial copy is left', async () => {
    const binaries = await fakeBinaries()
    const cacheRoot = await scratch('pg-dsql-cache-')
    const copies = await Promise.all([1, 2, 3, 4].map(() => cachedCopy(binaries, cacheRoot)))
    expect(new Set(copies.map((copy) => copy.nativeDir)).size).toBe(1)
    expect(await readdir(cacheRoot)).toEqual([
      `pg-dsql-emulator-postgres-${binaries.version}-${process.platform}-${process.arch}`,
    ])
  })

  it('refuses a copy that another user could have changed, and names the fix', async () => {
    const binaries = await fakeBinaries()
    const cacheRoot = await scratch('pg-dsql-cache-')
    const planted = cacheDirFor(binaries, cacheRoot)
    await mkdir(join(planted, 'bin'), { recursive: true })
    await chmod(planted, 0o777)
    const error = await cachedCopy(binaries, cacheRoot).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorBackendError)
    expect((error as Error).message).toContain(`will not run PostgreSQL from ${planted}`)
    expect((error as Error).message).toContain('Remove it; the next start copies the binaries again.')
  })

  it('tells whether the binaries run, and never throws', async () => {
    const binaries = await fakeBinaries()
    expect(await canRun(binaries, undefined)).toBe(true)
    expect(await canRun({ ...binaries, nativeDir: join(binaries.nativeDir, 'missing') }, undefined)).toBe(
      false,
    )
  })

  it.runIf(isRoot)(
    'tells that the postgres user cannot run binaries in a folder it cannot enter',
    async () => {
      const user = await ensurePostgresUser()
      const binaries = await fakeBinaries()
      expect(await canRun(binaries, user)).toBe(false)
      const cacheRoot = await scratch('pg-dsql-cache-')
      await chmod(cacheRoot, 0o755)
      expect(await canRun(await cachedCopy(binaries, cacheRoot), user)).toBe(true)
    },
  )
})
