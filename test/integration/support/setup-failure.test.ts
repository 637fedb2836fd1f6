import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../../..')

describe('a test run whose global setup fails', () => {
  it('says why on stderr, and exits 1', () => {
    const run = spawnSync(
      process.execPath,
      [
        resolve(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'test/fixtures/failing-setup/vitest.config.ts',
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, CI: '1' } },
    )
    expect(run.status).toBe(1)
    expect(run.stderr).toContain('The test run could not start the embedded PostgreSQL:')
    expect(run.stderr).toMatch(/pg-dsql-cannot-create-this|EmulatorBackendError|ENOENT|EACCES/)
  })
})
