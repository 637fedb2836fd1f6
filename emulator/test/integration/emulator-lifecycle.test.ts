import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bundleProgram } from '../support/bundle-program.js'
import { startTestEmulator } from '../support/emulator.js'
import { serverRunning } from '../support/processes.js'

const root = resolve(import.meta.dirname, '../..')

// Issue 12, item 14: a program that ends without emu.stop() (process.exit(), a crash, SIGKILL)
// left its PostgreSQL running, and its 39 MB data directory in the temporary folder.

/** A program that starts an emulator over the embedded backend, says where, then ends as told. */
const PROGRAM = `
import { readFileSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { startEmulator } from ${JSON.stringify(join(root, 'src/index.ts'))}

const emu = await startEmulator({ regions: ['us-east-1'] })
const dir = dirname(emu.caCertPath)
const serverPid = Number(readFileSync(join(dir, 'pgdata', 'postmaster.pid'), 'utf8').split('\\n')[0])
writeSync(1, JSON.stringify({ dir, serverPid }) + '\\n')
const how = process.argv[2]
if (how === 'exit') process.exit(0)
if (how === 'throw') throw new Error('the program crashed')
setInterval(() => undefined, 1 << 30)
`

describe('an emulator whose program ends without stop()', () => {
  let script: string
  let program: Awaited<ReturnType<typeof bundleProgram>> | undefined
  const children: ChildProcess[] = []

  beforeAll(async () => {
    program = await bundleProgram('pg-dsql-lifecycle-test', { source: PROGRAM })
    script = program.path
  })

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  })

  afterAll(() => program?.remove())

  /** Runs the program; resolves with its folder once the emulator started, and its exit. */
  async function run(how: 'exit' | 'throw' | 'hang') {
    const child = spawn(process.execPath, [script, how], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    const exit = new Promise<{ code: number | null; signal: string | null }>((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    )
    // Read from the program: once it has ended, another test file's start may sweep its folder.
    const { dir, serverPid } = await new Promise<{ dir: string; serverPid: number }>((done, fail) => {
      let out = ''
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const line = out.split('\n').find((l) => l.startsWith('{'))
        if (line !== undefined) done(JSON.parse(line) as { dir: string; serverPid: number })
      })
      void exit.then(({ code }) => fail(new Error(`the program exited (${code}) before starting: ${out}`)))
    })
    return { child, dir, serverPid, exit }
  }

  it.each([
    ['process.exit()', 'exit', { code: 0, signal: null }],
    ['an uncaught exception', 'throw', { code: 1, signal: null }],
  ] as const)('leaves no PostgreSQL running after %s', async (_name, how, ended) => {
    const { dir, serverPid, exit } = await run(how)
    expect(await exit).toEqual(ended)
    await expect.poll(() => serverRunning(serverPid), { timeout: 30_000, interval: 50 }).toBe(false)
    // Its folder goes at the next start.
    await (await startTestEmulator({ regions: ['us-east-1'] })).stop()
    expect(existsSync(dir)).toBe(false)
  })

  it('leaves no PostgreSQL running after SIGKILL, and the next start removes its folder', async () => {
    const { child, dir, serverPid, exit } = await run('hang')
    expect(serverRunning(serverPid)).toBe(true)
    child.kill('SIGKILL')
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' })
    await expect.poll(() => serverRunning(serverPid), { timeout: 30_000, interval: 50 }).toBe(false)
    await (await startTestEmulator({ regions: ['us-east-1'] })).stop()
    expect(existsSync(dir)).toBe(false)
  })
})
