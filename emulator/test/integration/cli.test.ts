import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { bundleProgram } from '../support/bundle-program.js'
import { backendUrl, startTestEmulator } from '../support/emulator.js'
import { serverPidIn, serverRunning } from '../support/processes.js'

const root = resolve(import.meta.dirname, '../..')

/** Resolves when `text` appears in the child's stdout; rejects if the child exits first. */
function waitForOutput(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes(text)) resolvePromise(out)
    })
    child.once('exit', (code) =>
      reject(new Error(`the command exited (${code}) before printing "${text}": ${out}`)),
    )
  })
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolvePromise) => child.once('exit', (code) => resolvePromise(code)))
}

/** The variables of the env block the command printed. */
function printedEnv(printed: string): Record<string, string> {
  return Object.fromEntries(
    printed
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
}

function runningPostgresArgs(): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => /\bpostgres\b.*-D/.test(line))
}

describe('pg-dsql-emulator (command)', () => {
  let work: string
  let main: string
  let bundled: Awaited<ReturnType<typeof bundleProgram>> | undefined
  const children: ChildProcess[] = []

  /** Runs the bundled command; a test that fails midway still has it stopped in afterEach. */
  function runCommand(
    args: string[],
    nodeArgs: string[] = [],
    stdin: 'ignore' | 'pipe' = 'ignore',
  ): ChildProcess {
    const child = spawn(process.execPath, [...nodeArgs, main, ...args], {
      stdio: [stdin, 'pipe', 'pipe'],
    })
    children.push(child)
    return child
  }

  /** Runs the command until it printed its environment; `printedSince()` is what it printed after. */
  async function readyCommand(args: string[], stdin: 'ignore' | 'pipe' = 'ignore') {
    const child = runCommand(args, [], stdin)
    const exit = exited(child)
    const printed = await waitForOutput(child, 'DSQL_EMULATOR_CONTROL=')
    const workDir = dirname(printedEnv(printed).PGSSLROOTCERT!)
    let since = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      since += chunk.toString()
    })
    return { child, exit, workDir, serverPid: serverPidIn(workDir), printedSince: () => since }
  }

  beforeAll(async () => {
    // The command as tsup bundles it: one ESM file, dependencies resolved from node_modules.
    work = mkdtempSync(join(tmpdir(), 'pg-dsql-cli-test-'))
    bundled = await bundleProgram('pg-dsql-cli-test', join(root, 'src/cli/main.ts'))
    main = bundled.path
  })

  afterEach(async () => {
    // SIGTERM, not SIGKILL: the command must stop its PostgreSQL itself.
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exit = exited(child)
        child.kill('SIGTERM')
        await exit
      }
    }
  })

  afterAll(() => {
    rmSync(work, { recursive: true, force: true })
    bundled?.remove()
  })

  it('prints the env block, writes the env file, serves both Regions, and stops cleanly on SIGTERM', async () => {
    const envFile = join(work, '.env.dsql')
    // `--` keeps Node itself from reading --env-file from the script's arguments.
    const child = runCommand(['--regions', 'us-east-1,us-east-2', '--env-file', envFile], ['--'])
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exit = exited(child)
    const printed = await waitForOutput(child, 'DSQL_EMULATOR_CONTROL=')
    expect(printed).toMatch(/^# pg-dsql-emulator: us-east-1, us-east-2, witness us-west-2; ready in \d+ ms/)

    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    expect(Object.keys(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'DSQL_EMULATOR_CONTROL',
      'DSQL_ENDPOINTS',
      'PGDATABASE',
      'PGHOST',
      'PGHOSTADDR',
      'PGPORT',
      'PGSSLMODE',
      'PGSSLROOTCERT',
      'PGUSER',
    ])
    for (const [key, value] of Object.entries(env)) expect(printed).toContain(`${key}=${value}`)

    const endpoints = env.DSQL_ENDPOINTS!.split(',')
    expect(endpoints).toHaveLength(2)
    // libpq's variables name the first Region's endpoint: its host for TLS and the token, its
    // address and port for TCP.
    expect(`${env.PGHOST}@${env.PGHOSTADDR}:${env.PGPORT}`).toBe(endpoints[0])
    expect(env.PGSSLMODE).toBe('verify-full')
    for (const spec of endpoints) {
      const [host, address] = spec.split('@') as [string, string]
      const port = Number(address.slice(address.lastIndexOf(':') + 1))
      const region = /\.dsql\.([^.]+)\.on\.aws$/.exec(host)![1]!
      const signer = new DsqlSigner({
        hostname: host,
        region,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
      })
      const client = new pg.Client({
        host: address.slice(0, address.lastIndexOf(':')),
        port,
        user: env.PGUSER,
        database: env.PGDATABASE,
        password: await signer.getDbConnectAdminAuthToken(),
        ssl: { ca: readFileSync(env.PGSSLROOTCERT!, 'utf8'), servername: host },
      })
      await client.connect()
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await client.end()
    }
    const stats = (await (await fetch(`${env.DSQL_EMULATOR_CONTROL}/stats`)).json()) as {
      cluster: { TotalTransactions: number }
    }
    expect(stats.cluster.TotalTransactions).toBe(2)

    const tempDir = dirname(env.PGSSLROOTCERT!)
    expect(runningPostgresArgs().some((args) => args.includes(tempDir))).toBe(true)
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
    expect(stderr).toBe('')
    expect(existsSync(tempDir)).toBe(false)
    expect(runningPostgresArgs().filter((args) => args.includes(tempDir))).toEqual([])
  })

  it('stops cleanly on SIGHUP (a closed terminal) and exits 0', async () => {
    const { child, exit, workDir, serverPid, printedSince } = await readyCommand(['--regions', 'us-east-1'])
    child.kill('SIGHUP')
    expect(await exit).toBe(0)
    expect(printedSince()).toContain('# SIGHUP: stopping\n# stopped\n')
    expect(existsSync(workDir)).toBe(false)
    expect(serverRunning(serverPid)).toBe(false)
  })

  it('leaves no PostgreSQL running when killed with SIGKILL, and the next start removes its folder', async () => {
    const child = runCommand(['--regions', 'us-east-1'])
    const printed = await waitForOutput(child, 'DSQL_EMULATOR_CONTROL=')
    const workDir = dirname(printedEnv(printed).PGSSLROOTCERT!)
    const serverPid = serverPidIn(workDir)
    expect(serverRunning(serverPid)).toBe(true)
    const exit = new Promise((done) => child.once('exit', (_code, signal) => done(signal)))
    child.kill('SIGKILL')
    expect(await exit).toBe('SIGKILL')
    // The server and its watchdog stop by themselves once the command's pipe closes.
    await expect.poll(() => serverRunning(serverPid), { timeout: 30_000, interval: 50 }).toBe(false)
    const next = await startTestEmulator({ regions: ['us-east-1'] })
    await next.stop()
    expect(existsSync(workDir)).toBe(false)
  })

  it('stops cleanly when its standard input closes, with --stop-on-stdin-close', async () => {
    const { child, exit, workDir, serverPid, printedSince } = await readyCommand(
      ['--regions', 'us-east-1', '--stop-on-stdin-close'],
      'pipe',
    )
    // What it reads meanwhile changes nothing: only the end stops it.
    child.stdin!.write('anything\n')
    child.stdin!.end()
    expect(await exit).toBe(0)
    expect(printedSince()).toContain('# stdin closed: stopping\n# stopped\n')
    expect(existsSync(workDir)).toBe(false)
    expect(serverRunning(serverPid)).toBe(false)
  })

  it('with --stop-on-stdin-close, still stops on SIGTERM while its standard input stays open', async () => {
    const { child, exit } = await readyCommand(['--regions', 'us-east-1', '--stop-on-stdin-close'], 'pipe')
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
  })

  it('with --stop-on-stdin-close, stops when the program that runs it is killed with SIGKILL', async () => {
    // A parent that runs the command as a child, as the demo does, and dies without a word.
    const parentScript = `
      const { spawn } = require('node:child_process')
      const child = spawn(process.execPath, [process.argv[1], '--regions', 'us-east-1', '--stop-on-stdin-close'],
        { stdio: ['pipe', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (chunk) => {
        out += chunk
        const match = /PGSSLROOTCERT=(.*)\\n/.exec(out)
        if (match !== null && out.includes('DSQL_EMULATOR_CONTROL=')) {
          console.log(JSON.stringify({ pid: child.pid, cert: match[1] }))
          child.stdout.resume()
        }
      })
    `
    const parent = spawn(process.execPath, ['-e', parentScript, main], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(parent)
    const line = await waitForOutput(parent, '}\n')
    const { pid, cert } = JSON.parse(line) as { pid: number; cert: string }
    const serverPid = serverPidIn(dirname(cert))
    const alive = (target: number) => {
      try {
        process.kill(target, 0)
        return true
      } catch {
        return false
      }
    }
    expect(alive(pid)).toBe(true)
    parent.kill('SIGKILL')
    // The command stops itself (its PostgreSQL and folder with it) once the parent's pipe closes.
    await expect.poll(() => alive(pid), { timeout: 30_000, interval: 50 }).toBe(false)
    expect(serverRunning(serverPid)).toBe(false)
    expect(existsSync(dirname(cert))).toBe(false)
  })

  it('writes the env file with --env-out, which Node leaves alone', async () => {
    const envFile = join(work, 'out.env')
    const child = runCommand(['--regions', 'eu-west-1', '--env-out', envFile])
    const exit = exited(child)
    await waitForOutput(child, 'DSQL_EMULATOR_CONTROL=')
    expect(readFileSync(envFile, 'utf8')).toMatch(
      /^DSQL_ENDPOINTS=[a-z0-9]{26}\.dsql\.eu-west-1\.on\.aws@127\.0\.0\.1:\d+$/m,
    )
    child.kill('SIGINT')
    expect(await exit).toBe(0)
  })

  it('stops and exits 1 naming the env file when it cannot write it', async () => {
    const envFile = join(work, 'no-such-folder', 'out.env')
    const child = runCommand(['--regions', 'us-east-1', '--backend', backendUrl(), '--env-out', envFile])
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    expect(await exited(child)).toBe(1)
    expect(stderr).toContain(`pg-dsql-emulator: cannot write the env file ${envFile} (ENOENT`)
    expect(stderr).toContain('Pass --env-file a path in a folder you can write to.')
  })

  it.each([
    [['--regions', 'us-east-1,eu-west-1'], /only within one Region set/, 1],
    [['--port', 'many'], /--port must be a number/, 2],
    [['--frobnicate'], /Unknown option/, 2],
  ])('refuses %j with a clear message', async (args, message, code) => {
    const child = runCommand(args)
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    expect(await exited(child)).toBe(code)
    expect(stderr).toMatch(message)
  })
})
