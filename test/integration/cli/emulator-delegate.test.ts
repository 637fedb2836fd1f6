import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const bin = resolve(import.meta.dirname, '../../../dist/cli/main.js')

// `pg-dsql emulator` runs the pg-dsql-emulator package installed next to pg-dsql (here, the
// workspace's). Node 20 and 22 read `--env-file` even after a script's name; the shebang stops
// that, so the documented `pg-dsql emulator --env-file FILE` reaches the emulator.
describe('pg-dsql emulator, run as an executable', () => {
  it.runIf(process.platform !== 'win32')(
    'starts pg-dsql-emulator, writes the env file it is given and stops on SIGTERM',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-delegate-'))
      const envFile = join(dir, '.env.dsql')
      try {
        const child = spawn(bin, ['emulator', '--env-file', envFile, '--regions', 'us-east-1'], {
          stdio: 'pipe',
        })
        let output = ''
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString()
        })
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString()
        })
        const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
        await new Promise<void>((ready, fail) => {
          child.stdout.on('data', () => {
            if (output.includes('DSQL_EMULATOR_CONTROL=')) ready()
          })
          child.on('exit', (code) => fail(new Error(`exited early with ${code}: ${output}`)))
        })
        expect(output).toMatch(/^# pg-dsql-emulator: us-east-1; ready in \d+ ms/m)
        const written = readFileSync(envFile, 'utf8')
        expect(written).toMatch(/^DSQL_ENDPOINTS=[a-z0-9]{26}\.dsql\.us-east-1\.on\.aws@127\.0\.0\.1:\d+$/m)
        child.kill('SIGTERM')
        expect(await exited).toBe(0)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  )
})
