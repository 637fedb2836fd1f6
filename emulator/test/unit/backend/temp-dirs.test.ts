import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  isProcessAlive,
  makeOwnedTempDir,
  OWNER_FILE,
  sweepStaleTempDirs,
} from '../../../src/backend/temp-dirs.js'
import { scratchFolders } from '../../support/scratch.js'

/** This process's PID namespace, as the mark records it. */
const namespace = await readlink('/proc/self/ns/pid').catch(() => null)

/** The pid of a process that ran and is gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('sweepStaleTempDirs', () => {
  const scratch = scratchFolders()

  /** A folder in `root` marked as `owner`'s, with a `pgdata/postmaster.pid` of `serverPid`. */
  async function folder(
    root: string,
    name: string,
    mark?: { pid: number; host: string; pidNamespace?: string | null },
    serverPid?: number,
  ) {
    const owner = mark === undefined ? undefined : { pidNamespace: namespace, ...mark }
    const dir = join(root, name)
    await mkdir(join(dir, 'pgdata'), { recursive: true })
    await writeFile(join(dir, 'pgdata', 'PG_VERSION'), '16\n')
    if (owner !== undefined) await writeFile(join(dir, OWNER_FILE), JSON.stringify(owner))
    if (serverPid !== undefined)
      await writeFile(join(dir, 'pgdata', 'postmaster.pid'), `${serverPid}\n/data\n`)
    return dir
  }

  it('removes the folders of dead emulators of this host, and nothing else', async () => {
    const root = await scratch('pg-dsql-sweep-')
    const dead = await deadPid()
    const host = hostname()
    const stale = [
      await folder(root, 'pg-dsql-emulator-abc123', { pid: dead, host }),
      await folder(root, 'pg-dsql-backend-XYZ789', { pid: dead, host }, await deadPid()),
    ]
    const kept = [
      await folder(root, 'pg-dsql-emulator-live01', { pid: process.pid, host }),
      await folder(root, 'pg-dsql-emulator-parent', { pid: process.ppid, host }),
      await folder(root, 'pg-dsql-emulator-server', { pid: dead, host }, process.pid),
      await folder(root, 'pg-dsql-emulator-other1', { pid: dead, host: `not-${host}` }),
      await folder(root, 'pg-dsql-emulator-other2', { pid: dead, host, pidNamespace: 'pid:[1]' }),
      await folder(root, 'pg-dsql-emulator-nomark'),
      await folder(root, 'pg-dsql-backend-badmrk', { pid: -1, host }),
      await folder(root, 'pg-dsql-emulator-postgres-16.14.0-linux-x64', { pid: dead, host }),
      await folder(root, 'pg-dsql-something-abc123', { pid: dead, host }),
      await folder(root, 'other-pg-dsql-emulator-abc123', { pid: dead, host }),
    ]
    // A link named like a stale folder, to one that must survive.
    const target = await folder(await scratch('pg-dsql-sweep-target-'), 'target', { pid: dead, host })
    await symlink(target, join(root, 'pg-dsql-emulator-link01'))

    const removed = await sweepStaleTempDirs({ root })
    expect([...removed].sort()).toEqual([...stale].sort())
    for (const dir of stale) expect(existsSync(dir)).toBe(false)
    for (const dir of [...kept, target, join(root, 'pg-dsql-emulator-link01')])
      expect(existsSync(dir)).toBe(true)
  })

  it('makes a private folder marked with this process', async () => {
    const root = await scratch('pg-dsql-sweep-')
    const dir = await makeOwnedTempDir('pg-dsql-backend-', root)
    expect(dir).toMatch(/\/pg-dsql-backend-[A-Za-z0-9]{6}$/)
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect(JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8'))).toEqual({
      pid: process.pid,
      host: hostname(),
      pidNamespace: namespace,
    })
    expect(await sweepStaleTempDirs({ root })).toEqual([])
  })

  it.runIf(existsSync('/proc/self/stat'))('counts a zombie as dead, a live process as alive', async () => {
    // sh starts a child that waits for our stdin to close, then becomes a sleep that never
    // reaps it: once we close stdin, the child exits and stays a zombie.
    const parent = spawn(
      '/bin/sh',
      ['-c', 'exec 3<&0; (exec cat <&3 >/dev/null) & echo $!; exec sleep 60 3<&-'],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    )
    try {
      const zombie = await new Promise<number>((resolve) =>
        parent.stdout!.once('data', (d: Buffer) => resolve(Number(d))),
      )
      expect(isProcessAlive(zombie)).toBe(true)
      // Only once sh has become sleep: sh itself would reap the child (it did, once, under load).
      await expect.poll(() => readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim()).toBe('sleep')
      parent.stdin!.end()
      await expect.poll(() => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1]?.[0]).toBe('Z')
      expect(isProcessAlive(zombie)).toBe(false)
      expect(isProcessAlive(parent.pid!)).toBe(true)
      expect(isProcessAlive(await deadPid())).toBe(false)
    } finally {
      parent.kill('SIGKILL')
    }
  })
})
