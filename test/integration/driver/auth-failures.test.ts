import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DsqlAuthError, DsqlPool } from '../../../src/index.js'
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
})
