import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APPLY_FLAGS, STATUS_FLAGS } from '../../../src/cli/apply-command.js'
import { EXIT_CODES, runCli } from '../../../src/cli/index.js'
import { TRANSFORM_FLAGS } from '../../../src/cli/lint-command.js'
import { lint } from '../../../src/index.js'

// The command in process: what it prints, reads and refuses. Its exit codes reaching a shell, and
// apply and status on the emulator, are tested in processes of their own (test/integration/cli).

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
const commandSection = readme.slice(readme.indexOf('## The command'), readme.indexOf('## Rules'))

const CLEAN = 'CREATE TABLE plain (id uuid PRIMARY KEY, name text NOT NULL);\n'
const FIXED = 'CREATE TABLE t (id uuid PRIMARY KEY, email text);\nCREATE INDEX t_email ON t (email);\n'
const ADVISORY = 'CREATE TABLE users (id serial PRIMARY KEY, email text);\n'
const ERROR = 'CREATE TABLE t2 (id uuid PRIMARY KEY);\nTRUNCATE t2;\n'

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

async function cli(args: readonly string[], stdin?: string): Promise<Ran> {
  const out = { stdout: '', stderr: '' }
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk, _encoding, done) {
        out[key] += String(chunk)
        done()
      },
    })
  const code = await runCli(args, {
    stdout: sink('stdout'),
    stderr: sink('stderr'),
    ...(stdin === undefined ? {} : { readStdin: async () => stdin }),
  })
  return { code, ...out }
}

describe('runCli', () => {
  let dir: string
  const file = async (name: string, sql: string) => {
    const path = join(dir, name)
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, sql)
    return path
  }
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pg-dsql-migrate-run-cli-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('prints each change with its place, severity, rule, message and hint, then the counts', async () => {
    const path = await file('advisory.sql', ADVISORY)
    const { stdout, code } = await cli(['lint', path])
    expect(code).toBe(EXIT_CODES.changed)
    expect(stdout).toContain(
      `${path}:1:24  advisory  serial-to-identity\n    Column "id" of "users" is serial`,
    )
    expect(stdout).toContain('    hint: The column widens to bigint')
    expect(stdout).toContain('0 fixed, 1 advisory, 0 errors in 1 migration.')
  })

  it('lint --json gives what lint() gives for the same SQL, and the overall status', async () => {
    const sql = `${ADVISORY}${ERROR}`
    const path = await file('mixed.sql', sql)
    const result = await cli(['lint', '--json', path])
    const expected = await lint(sql, { source: path })
    expect(result.code).toBe(EXIT_CODES.errors)
    expect(JSON.parse(result.stdout)).toEqual({
      status: 'error',
      migrations: [
        {
          id: 'mixed.sql',
          source: path,
          status: expected.status,
          changes: JSON.parse(JSON.stringify(expected.changes)),
        },
      ],
    })
  })

  it('transform --identity-cache sets the CACHE of identity columns made from serial', async () => {
    const result = await cli(['transform', '--json', '--identity-cache', '1'], ADVISORY)
    const [migration] = JSON.parse(result.stdout).migrations
    expect(migration.id).toBe('<stdin>')
    expect(migration.statements[0].sql).toContain('CACHE 1')
  })

  it('reads a folder of .sql files in name order, a Prisma folder and a drizzle-kit folder', async () => {
    await file('plain/0002_second.sql', FIXED)
    await file('plain/0001_first.sql', CLEAN)
    await file('plain/notes.txt', 'not a migration')
    await file('prisma/20260101000000_init/migration.sql', CLEAN)
    await file('prisma/20260102000000_next/migration.sql', FIXED)
    await file('prisma/migration_lock.toml', 'provider = "postgresql"\n')
    await file('drizzle/0000_init.sql', `${CLEAN}--> statement-breakpoint\n`)
    await file(
      'drizzle/meta/_journal.json',
      JSON.stringify({
        dialect: 'postgresql',
        entries: [{ idx: 0, tag: '0000_init', when: 1, breakpoints: true }],
      }),
    )
    const ids = async (folder: string) =>
      JSON.parse((await cli(['lint', '--json', join(dir, folder)])).stdout).migrations.map(
        (m: { id: string }) => m.id,
      )
    expect(await ids('plain')).toEqual(['0001_first.sql', '0002_second.sql'])
    expect(await ids('prisma')).toEqual(['20260101000000_init', '20260102000000_next'])
    expect(await ids('drizzle')).toEqual(['0000_init'])
    const both = await cli(['transform', join(dir, 'plain')])
    expect(both.stdout).toMatch(/^-- migration: 0001_first\.sql\n[\s\S]*-- migration: 0002_second\.sql\n/)
  })

  it.each([
    [['transform', '--identity-cache'], 'pg-dsql-migrate transform: option --identity-cache needs a value.'],
    [['lint', '--json=yes'], 'pg-dsql-migrate lint: option --json takes no value.'],
    [
      ['lint', '--identity-cache', 'lots', 'x.sql'],
      '--identity-cache must be a whole number of at least 1; got "lots".',
    ],
    [
      ['lint', '--identity-cache', '5', 'x.sql'],
      '--identity-cache: identityCache must be 1 or a whole number of at least 65536',
    ],
    [
      ['lint', '/nonexistent/pg-dsql-migrate.sql'],
      '/nonexistent/pg-dsql-migrate.sql cannot be read (ENOENT)',
    ],
    [['lint'], 'Pass the migration files or folders to read, or pipe SQL to standard input.'],
    [
      ['migrate'],
      'pg-dsql-migrate: unknown command "migrate"; the commands are lint, transform, apply, status.',
    ],
    [['status', '--journal', 'x'], 'pg-dsql-migrate status: unknown option --journal.'],
    [['status', '--no-wait', 'x'], 'pg-dsql-migrate status: unknown option --no-wait.'],
    [['apply'], 'Pass the migration files or folders to read, or pipe SQL to standard input.'],
    [['apply', '-'], 'Standard input (-) holds no migration id the journal could keep'],
    [
      ['apply', '--lock-timeout-ms', 'soon', 'x'],
      '--lock-timeout-ms must be a whole number of at least 0; got "soon".',
    ],
  ])('refuses %j with exit 64 before reading or connecting, naming what is wrong', async (args, message) => {
    const result = await cli(args)
    expect(result.code).toBe(EXIT_CODES.usage)
    expect(result.stderr).toContain(message)
    expect(result.stdout).toBe('')
  })

  it('refuses an empty folder, naming the forms it looks for', async () => {
    await mkdir(join(dir, 'empty'), { recursive: true })
    const result = await cli(['lint', join(dir, 'empty')])
    expect(result.code).toBe(EXIT_CODES.usage)
    expect(result.stderr).toContain(
      'holds no migrations: no .sql files, no <name>/migration.sql folders (Prisma)',
    )
  })

  it('refuses two migrations of the same name, which the journal could not tell apart', async () => {
    const path = await file('twice/0001.sql', CLEAN)
    const result = await cli(['lint', path, path])
    expect(result.code).toBe(EXIT_CODES.usage)
    expect(result.stderr).toContain('Two migrations are named "0001.sql"')
  })

  it('prints each command’s options with --help and exits 0', async () => {
    const result = await cli(['apply', '--help'])
    expect(result.code).toBe(EXIT_CODES.clean)
    expect(result.stdout).toContain('Usage: pg-dsql-migrate apply [options] <files or folders>')
    expect(result.stdout).toMatch(/--journal-table <table> +the journal table/)
    expect(result.stdout).toContain('--no-wait')
    expect((await cli(['--help'])).stdout).toContain('Exit codes: 0 clean')
  })

  it.each([
    ['lint', TRANSFORM_FLAGS],
    ['transform', TRANSFORM_FLAGS],
    ['apply', APPLY_FLAGS],
    ['status', STATUS_FLAGS],
  ] as const)('has every flag of %s in the README synopsis, and no other', (command, flags) => {
    const line = commandSection.split('pg-dsql-migrate ').find((part) => part.startsWith(command.padEnd(10)))
    const documented = [...((line ?? '').split('\n\n')[0] ?? '').matchAll(/\[--([a-z-]+)/g)].map((m) => m[1])
    expect(documented.sort()).toEqual(Object.keys(flags).sort())
  })

  it('is the bin package.json names: tsup builds it from src/cli/main.ts, which starts with a shebang', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
    const { default: configs } = await import('../../../tsup.config.js')
    const entries = (Array.isArray(configs) ? configs : [configs]).map(
      (config) => (config as { entry?: Record<string, string> }).entry ?? {},
    )
    expect(manifest.bin).toEqual({ 'pg-dsql-migrate': './dist/cli/main.js' })
    expect(entries.some((entry) => entry['cli/main'] === 'src/cli/main.ts')).toBe(true)
    const main = readFileSync(new URL('../../../src/cli/main.ts', import.meta.url), 'utf8')
    expect(main.startsWith('#!/usr/bin/env node\n')).toBe(true)
  })

  it('documents every exit code in the README table', () => {
    for (const code of Object.values(EXIT_CODES))
      expect(commandSection).toMatch(new RegExp(`\\n\\| ${code} \\|`))
  })
})
