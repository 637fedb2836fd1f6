import { readFileSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../src/cli/run-cli.js'
import { startTestEmulator } from '../../support/emulator.js'

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

/** Runs the command in this process, its settings coming from `env` as in a shell. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] }
  stdout.on('data', (chunk: Buffer) => chunks.stdout.push(chunk))
  stderr.on('data', (chunk: Buffer) => chunks.stderr.push(chunk))
  const code = await runCli(argv, { stdout, stderr })
  return {
    code,
    stdout: Buffer.concat(chunks.stdout).toString(),
    stderr: Buffer.concat(chunks.stderr).toString(),
  }
}

describe('pg-dsql token and doctor', () => {
  let emulator: Emulator

  beforeAll(async () => {
    emulator = await startTestEmulator()
    // This file runs in its own worker process: the commands read the environment like a shell's.
    Object.assign(process.env, emulator.env)
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('prints a token that a plain pg.Client can log in with', async () => {
    const [east1] = emulator.endpoints
    if (east1 === undefined) throw new Error('no endpoint')
    const { code, stdout, stderr } = await run(['token', '--endpoint', east1.host])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const token = stdout.trim()
    expect(token.startsWith(`${east1.host}/?Action=DbConnectAdmin&`)).toBe(true)
    const client = new pg.Client({
      host: east1.address,
      port: east1.port,
      user: 'admin',
      database: 'postgres',
      password: token,
      ssl: { ca: readFileSync(emulator.caCertPath), servername: east1.host },
    })
    await client.connect()
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await client.end()
  })

  it('signs DbConnect for another user and honours --ttl', async () => {
    const { code, stdout } = await run(['token', '--user', 'app', '--ttl', '60'])
    expect(code).toBe(0)
    const url = new URL(`https://${stdout.trim()}`)
    expect(url.searchParams.get('Action')).toBe('DbConnect')
    expect(url.searchParams.get('X-Amz-Expires')).toBe('60')
  })

  it('explains a bad option instead of printing a token', async () => {
    const { code, stdout, stderr } = await run(['token', '--ttl', '0'])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/tokenTtlSec must be whole seconds from 1 to 604800/)
  })

  it('checks every endpoint and gives an OK verdict against the emulator', async () => {
    const { code, stdout } = await run(['doctor'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/Configuration\s+ok\s+2 endpoints/)
    expect(stdout).toMatch(/Credentials\s+ok/)
    for (const endpoint of emulator.endpoints) expect(stdout).toContain(endpoint.host)
    expect(stdout).toContain('Verdict: OK. All 2 endpoints accept connections.')
    expect(stdout).toMatch(
      /Routing\s+ok\s+latency: new connections go to [a-z0-9]{26}\.dsql\.us-east-[12]\.on\.aws/,
    )
    expect(stdout).not.toContain(emulator.credentials.secretAccessKey)
    expect(stdout).not.toContain(emulator.credentials.accessKeyId)
  })

  it('names the failing step and says DEGRADED when one endpoint is unreachable', async () => {
    const [east1, east2] = emulator.endpoints
    if (east1 === undefined || east2 === undefined) throw new Error('two endpoints expected')
    emulator.isolate(east2.region, { mode: 'refuse', existing: 'drop' })
    try {
      const { code, stdout } = await run(['doctor'])
      expect(code).toBe(1)
      expect(stdout).toMatch(new RegExp(`${east2.host}: (TCP|TLS) failed`))
      expect(stdout).toContain('Verdict: DEGRADED. 1 of 2 endpoints fail')
    } finally {
      emulator.heal(east2.region)
    }
  })
})
