import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestEmulator } from '../../support/emulator.js'

const main = resolve(import.meta.dirname, '../../../examples/ecommerce/main.mjs')

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * `npm run demo -- --endpoints …` on a cluster it did not start (here an emulator the test
 * started, standing in for a real cluster): configured by the AWS environment and the endpoints
 * alone, with no control API in reach.
 */
function runDemo(emulator: Emulator, cwd: string): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: emulator.env.AWS_REGION ?? '',
    AWS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.credentials.secretAccessKey,
    PGSSLROOTCERT: emulator.caCertPath,
  }
  const args = ['--endpoints', emulator.env.DSQL_ENDPOINTS ?? '', '--duration', '6', '--shoppers', '4']
  return new Promise((done) => {
    execFile(process.execPath, [main, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr })
    })
  })
}

describe('the e-commerce demo on a cluster given by --endpoints', () => {
  let emulator: Emulator
  let cwd: string
  let first: Run
  let second: Run

  beforeAll(async () => {
    emulator = await startTestEmulator({
      regions: ['us-east-1', 'us-east-2'],
      latencyMs: { 'us-east-1': 2, 'us-east-2': 40 },
    })
    cwd = mkdtempSync(join(tmpdir(), 'pg-dsql-demo-endpoints-'))
    // Twice, as on a real cluster: the second run finds the schema and the first run's orders.
    first = await runDemo(emulator, cwd)
    second = await runDemo(emulator, cwd)
  }, 120_000)

  afterAll(async () => {
    await emulator?.stop()
    if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true })
  })

  it('starts no emulator and isolates nothing', () => {
    for (const run of [first, second]) {
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.stdout).toContain(
        `Using the DSQL cluster at ${emulator.env.DSQL_ENDPOINTS?.split(',').join(', ')} (no emulator, no outage).`,
      )
      expect(run.stdout).not.toContain('Starting the DSQL emulator')
      expect(run.stdout).not.toMatch(/isolated|failover:|failback:/)
    }
  })

  it('applies the schema once, resets the shop on the next run, and the invariants hold both times', () => {
    expect(first.stdout).toMatch(
      /4 migrations, 9 DDL statements one per transaction, 3 indexes built asynchronously\.$/m,
    )
    expect(second.stdout).toMatch(/4 migrations, 0 DDL statements .*\(already applied\)\.$/m)
    for (const run of [first, second]) {
      expect(run.stdout.match(/^ {2}ok {5}/gm)).toHaveLength(3)
      expect(run.stdout).not.toContain('BROKEN')
    }
    // The second run's audit counts only its own orders: the first run's were deleted.
    const placed = (run: Run) => Number(/^Summary: (\d+) orders placed/m.exec(run.stdout)?.[1])
    const acknowledged = (run: Run) =>
      Number(
        /every acknowledged order exists exactly once, with its lines: (\d+) orders/.exec(run.stdout)?.[1],
      )
    expect(acknowledged(second)).toBe(placed(second))
    expect(placed(second)).toBeGreaterThan(0)
  })
})
