import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestEmulator } from '../../support/emulator.js'

const bin = resolve(import.meta.dirname, '../../../dist/cli/main.js')
const run = promisify(execFile)

/** Runs `pg-dsql doctor` as an executable with `endpoints`; resolves with its exit code and verdict line. */
async function doctor(emulator: Emulator, endpoints: string): Promise<{ code: number; verdict: string }> {
  const env = { ...process.env, ...emulator.env, DSQL_ENDPOINTS: endpoints }
  const outcome = await run(process.execPath, [bin, 'doctor'], { env, timeout: 30_000 }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
  )
  return { code: outcome.code, verdict: /^Verdict: .*$/m.exec(outcome.stdout)?.[0] ?? '(no verdict)' }
}

// Its probes were unref'd: with two endpoints or more, Node saw nothing left to wait for and
// ended the process mid-await (exit 13, no verdict).
describe('pg-dsql doctor, run as an executable', () => {
  let emulator: Emulator
  let hosts: string[]

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1', 'us-east-2'] })
    hosts = (emulator.env.DSQL_ENDPOINTS as string).split(',')
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it.each([1, 2])('gives its verdict for %i working endpoint(s) and exits 0', async (count) => {
    const outcome = await doctor(emulator, hosts.slice(0, count).join(','))
    expect(outcome.verdict).toMatch(/^Verdict: OK\./)
    expect(outcome.code).toBe(0)
  })

  it('gives its verdict for 3 endpoints, one of them down, and exits 1', async () => {
    const down = 'abcdefghijklmnopqrstuvwxyz.dsql.us-west-2.on.aws@127.0.0.1:1'
    const outcome = await doctor(emulator, [...hosts, down].join(','))
    expect(outcome.verdict).toBe('Verdict: DEGRADED. 1 of 3 endpoints fail; a pool routes around them.')
    expect(outcome.code).toBe(1)
  })
})
