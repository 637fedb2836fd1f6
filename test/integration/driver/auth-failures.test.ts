import { execFile } from 'node:child_process'
import { type AddressInfo, createServer } from 'node:net'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DsqlAuthError,
  DsqlClient,
  type DsqlEvent,
  DsqlPool,
  type DsqlPoolConfig,
} from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

const dist = resolve(import.meta.dirname, '../../../dist/index.js')
const run = promisify(execFile)

describe('connects that fail on credentials or tokens', () => {
  let emulator: Emulator

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('leave no socket open when the credentials cannot be had', async () => {
    // In a process of its own, so its sockets are the pool's only: 30 queries whose credentials
    // fail, then end(); every socket must be gone long before the server's own 60 s timeout.
    const script = `
      const { DsqlPool } = await import(${JSON.stringify(dist)})
      const pool = new DsqlPool({ ssl: { ca: (await import('node:fs')).readFileSync(process.env.PGSSLROOTCERT, 'utf8') },
        credentials: async () => { throw new Error('no credentials here') } })
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => pool.query('SELECT 1')))
      await pool.end()
      const sockets = () => process.getActiveResourcesInfo().filter((name) => /^(TCP|TLS)/.test(name)).length
      for (let i = 0; i < 100 && sockets() > 0; i++) await new Promise((done) => setTimeout(done, 50))
      console.log(JSON.stringify({ names: [...new Set(outcomes.map((o) => o.reason?.name))], sockets: sockets() }))
    `
    const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', script], {
      env: { ...process.env, ...emulator.env },
      timeout: 30_000,
    })
    expect(JSON.parse(stdout)).toEqual({ names: ['DsqlCredentialsError'], sockets: 0 })
  })

  it('back off when every token is refused: connects fail at once instead of draining the connection rate', async () => {
    const pool = new DsqlPool(optionsFor(emulator, { max: 16 }))
    const before = emulator.stats().cluster.AuthFailures
    // Two hours ahead, every token the pool signs has expired for the server, as with a skewed clock.
    emulator.setClockOffset(7_200)
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => pool.query('SELECT 1')))
      const failures = outcomes.filter((outcome) => outcome.status === 'rejected')
      expect(failures).toHaveLength(200)
      for (const failure of failures)
        expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(DsqlAuthError)
      // At most the first wave (16 connects) and its one re-sign each reach the server; without
      // the window, each of the 200 calls made two.
      const refusals = emulator.stats().cluster.AuthFailures - before
      expect(refusals).toBeGreaterThan(0)
      expect(refusals).toBeLessThanOrEqual(32)
    } finally {
      emulator.setClockOffset(0)
      await pool.end()
    }
  })

  it('sign once per refusal window: connects already under way when the key is blocked sign nothing', async () => {
    const events: DsqlEvent[] = []
    // Its own token cache (a token lifetime no other test uses): the test before blocked the default one.
    const pool = new DsqlPool(
      optionsFor(emulator, { max: 16, tokenTtlSec: 600, onEvent: (event) => events.push(event) }),
    )
    await pool.query('SELECT 1')
    // Every pooled connection is closed by the server at once, so 16 connects are under way
    // together when the clock jumps and their tokens start being refused.
    emulator.setClockOffset(7_200)
    try {
      await Promise.allSettled(Array.from({ length: 64 }, () => pool.query('SELECT 1')))
      const resigned = events.filter((e) => e.type === 'token.issued' && e.reason === 'rejected')
      // One token signed afresh after the first refusal; the second refusal blocks the key.
      // Without the check before a connect hands over its token, each connect in flight re-signed.
      expect(resigned.length).toBeGreaterThan(0)
      expect(resigned.length).toBeLessThanOrEqual(2)
    } finally {
      emulator.setClockOffset(0)
      await pool.end()
    }
  })

  it('block only the role that is refused: another role signing with the same credentials still connects', async () => {
    // One DbConnect token serves every non-admin role of these credentials; DSQL's refusal of a
    // role with no IAM grant cannot be told from a refused token, and must not block the others.
    // Token lifetimes no other test uses, so token caches of their own (tests above block the default).
    const admin = new DsqlPool(optionsFor(emulator, { tokenTtlSec: 800 }))
    await admin.query('CREATE ROLE auth_reader WITH LOGIN')
    await admin.query(`AWS IAM GRANT auth_reader TO '${emulator.credentials.arn}'`)
    await admin.end()
    const unmapped = new DsqlPool(optionsFor(emulator, { tokenTtlSec: 700, user: 'auth_unmapped' }))
    const reader = new DsqlPool(optionsFor(emulator, { tokenTtlSec: 700, user: 'auth_reader' }))
    try {
      const refusals: unknown[] = []
      for (let i = 0; i < 3; i++) refusals.push(await unmapped.query('SELECT 1').catch((error) => error))
      for (const refusal of refusals) expect(refusal).toBeInstanceOf(DsqlAuthError)
      // The unmapped role is blocked now: its connects fail at once.
      expect((refusals[2] as Error).message).toContain('refused again moments ago')
      const { rows } = await reader.query('SELECT current_user AS role')
      expect(rows).toEqual([{ role: 'auth_reader' }])
    } finally {
      await Promise.all([unmapped.end(), reader.end()])
    }
  })
})

describe('connects whose credentials are slow or missing', () => {
  it('open no socket while the credentials cannot be had', async () => {
    // Every socket counts against the cluster's connection rate, which all its clients share.
    let sockets = 0
    const server = createServer((socket) => {
      sockets++
      socket.destroy()
    })
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
    const { port } = server.address() as AddressInfo
    const pool = new DsqlPool({
      endpoints: `abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws@127.0.0.1:${port}`,
      credentials: async () => {
        throw new Error('no credentials here')
      },
    })
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => pool.query('SELECT 1')))
      expect(outcomes.map((o) => (o as PromiseRejectedResult).reason?.name)).toEqual(
        Array(20).fill('DsqlCredentialsError'),
      )
      expect(sockets).toBe(0)
    } finally {
      await pool.end()
      server.close()
    }
  })

  it('open no socket for a lone client ended while its token was being signed', async () => {
    let sockets = 0
    const server = createServer((socket) => {
      sockets++
      socket.destroy()
    })
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready))
    const { port } = server.address() as AddressInfo
    let markSigned = () => {}
    const signed = new Promise<void>((done) => {
      markSigned = done
    })
    const client = new DsqlClient({
      endpoints: `abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws@127.0.0.1:${port}`,
      credentials: async () => {
        await new Promise((done) => setTimeout(done, 50))
        markSigned()
        return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }
      },
    })
    try {
      const connecting = client.connect().catch((error: unknown) => error)
      await client.end()
      await signed
      expect(await connecting).toMatchObject({ message: expect.stringMatching(/ended before it connected/) })
      expect(sockets).toBe(0)
    } finally {
      server.close()
    }
  })

  it.each([
    ['pool.query()', (config: DsqlPoolConfig) => new DsqlPool(config).query('SELECT 1')],
    ['a lone client', (config: DsqlPoolConfig) => new DsqlClient(config).connect()],
  ])(
    'give up on a credential provider that hangs after the connect timeout, through %s',
    async (_, connect) => {
      const outcome = await connect({
        endpoints: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws@127.0.0.1:9',
        connectionTimeoutMillis: 200,
        credentials: () => new Promise(() => {}),
        retry: { maxAttempts: 1 },
      }).catch((error: unknown) => error)
      expect(outcome).toBeInstanceOf(Error)
      expect((outcome as Error).message).toMatch(/timeout/)
    },
  )
})
