import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const bin = resolve(import.meta.dirname, '../../dist/cli/main.js')

// Node 20 and 22 read `--env-file` even after a script's name; the command's shebang stops
// that, so the documented `pg-dsql-emulator --env-file FILE` reaches the command.
describe('pg-dsql-emulator --env-file, run as an executable', () => {
  it.runIf(process.platform !== 'win32')('writes the env file it is given and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-env-file-'))
    const envFile = join(dir, '.env.dsql')
    try {
      const child = spawn(bin, ['--env-file', envFile, '--regions', 'us-east-1'], {
        stdio: 'pipe',
      })
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
      await new Promise<void>((ready, fail) => {
        child.stdout.on('data', () => {
          if (output.includes('DSQL_EMULATOR_CONTROL=')) ready()
        })
        child.on('exit', (code) => fail(new Error(`exited early with ${code}: ${output}`)))
      })
      const written = readFileSync(envFile, 'utf8')
      expect(written).toMatch(/^DSQL_ENDPOINTS=[a-z0-9]{26}\.dsql\.us-east-1\.on\.aws@127\.0\.0\.1:\d+$/m)
      expect(written).toMatch(/^PGSSLROOTCERT=/m)
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
