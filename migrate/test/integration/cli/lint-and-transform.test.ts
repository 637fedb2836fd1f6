import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lint, renderSql, transform } from '../../../src/index.js'
import { bundleCli, type CliRun, runCliProcess } from '../../support/cli.js'

const CLEAN = 'CREATE TABLE plain (id uuid PRIMARY KEY, name text NOT NULL);\n'
const FIXED = 'CREATE TABLE t (id uuid PRIMARY KEY, email text);\nCREATE INDEX t_email ON t (email);\n'
const ADVISORY = 'CREATE TABLE users (id serial PRIMARY KEY, email text);\n'
const ERROR =
  'CREATE TABLE t (id uuid PRIMARY KEY);\nCREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();\n'
const SYNTAX = 'CREATE TABLE t (id uuid PRIMARY KEY\n'

describe('pg-dsql-migrate lint and transform', () => {
  let cli: string
  let dir: string
  const run = (args: readonly string[], stdin?: string): Promise<CliRun> =>
    runCliProcess(cli, args, stdin === undefined ? {} : { stdin })
  const file = async (name: string, sql: string) => {
    const path = join(dir, name)
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, sql)
    return path
  }

  beforeAll(async () => {
    cli = await bundleCli({ withDriver: false })
    dir = await mkdtemp(join(tmpdir(), 'pg-dsql-migrate-cli-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it.each([
    ['clean', CLEAN, 0, 'Clean: nothing to change.'],
    ['fixed', FIXED, 1, 'Fixed: every statement has a DSQL form with the same meaning.'],
    [
      'advisory',
      ADVISORY,
      1,
      'Fixed with advisories: every statement has a DSQL form; review the advisories.',
    ],
    ['error', ERROR, 2, 'Errors remain: some statements have no DSQL form (see each hint).'],
    ['syntax error', SYNTAX, 2, 'Errors remain'],
  ] as const)('lints a migration that is %s: exit code and verdict', async (name, sql, code, verdict) => {
    const path = await file(`${name.replace(' ', '-')}.sql`, sql)
    const result = await run(['lint', path])
    expect(result.code).toBe(code)
    expect(result.stdout).toContain(verdict)
    expect(result.stderr).toBe('')
  })

  it('lint prints each change with its place, severity, rule, message and hint', async () => {
    const path = await file('advisory.sql', ADVISORY)
    const { stdout } = await run(['lint', path])
    expect(stdout).toContain(
      `${path}:1:24  advisory  serial-to-identity\n    Column "id" of "users" is serial`,
    )
    expect(stdout).toContain('    hint: The column widens to bigint')
    expect(stdout).toContain('0 fixed, 1 advisory, 0 errors in 1 migration.')
  })

  it('lint --json gives what lint() gives for the same SQL, and the overall status', async () => {
    const path = await file('mixed.sql', `${ADVISORY}${ERROR.replace('TABLE t ', 'TABLE t2 ')}`)
    const result = await run(['lint', '--json', path])
    const expected = await lint(`${ADVISORY}${ERROR.replace('TABLE t ', 'TABLE t2 ')}`, { source: path })
    expect(result.code).toBe(2)
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

  it('transform writes the DSQL statements on stdout and the report on stderr', async () => {
    const path = await file('fixed.sql', FIXED)
    const result = await run(['transform', path])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(renderSql((await transform(FIXED)).statements))
    expect(result.stdout).toContain('CREATE INDEX ASYNC t_email ON t (email);')
    expect(result.stderr).toContain('index-async')
  })

  it('transform --identity-cache sets the CACHE of identity columns made from serial', async () => {
    const result = await run(['transform', '--json', '--identity-cache', '1'], ADVISORY)
    const [migration] = JSON.parse(result.stdout).migrations
    expect(migration.statements[0].sql).toContain('CACHE 1')
  })

  it('reads standard input when given no path, named by --source', async () => {
    const result = await run(['lint', '--source', 'piped.sql'], ADVISORY)
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('piped.sql:1:24  advisory  serial-to-identity')
    expect((await run(['lint', '-'], CLEAN)).code).toBe(0)
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
      JSON.parse((await run(['lint', '--json', join(dir, folder)])).stdout).migrations.map(
        (m: { id: string }) => m.id,
      )
    expect(await ids('plain')).toEqual(['0001_first.sql', '0002_second.sql'])
    expect(await ids('prisma')).toEqual(['20260101000000_init', '20260102000000_next'])
    expect(await ids('drizzle')).toEqual(['0000_init'])
    const both = await run(['transform', join(dir, 'plain')])
    expect(both.stdout).toMatch(/^-- migration: 0001_first\.sql\n[\s\S]*-- migration: 0002_second\.sql\n/)
  })

  it.each([
    [
      ['lint', '--bogus'],
      'pg-dsql-migrate lint: unknown option --bogus. Its options are --json, --identity-cache, --source and --help.',
    ],
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
    [
      ['migrate'],
      'pg-dsql-migrate: unknown command "migrate"; the commands are lint, transform, apply, status.',
    ],
    [[], 'Usage: pg-dsql-migrate <command>'],
  ])('refuses %j with exit 64, naming what is wrong', async (args, message) => {
    const result = await run(args)
    expect(result.code).toBe(64)
    expect(result.stderr).toContain(message)
    expect(result.stdout).toBe('')
  })

  it('refuses an empty folder, naming the forms it looks for', async () => {
    await mkdir(join(dir, 'empty'), { recursive: true })
    const result = await run(['lint', join(dir, 'empty')])
    expect(result.code).toBe(64)
    expect(result.stderr).toContain(
      'holds no migrations: no .sql files, no <name>/migration.sql folders (Prisma)',
    )
  })

  it('prints each command’s options with --help and exits 0', async () => {
    const result = await run(['apply', '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: pg-dsql-migrate apply [options] <files or folders>')
    expect(result.stdout).toMatch(/--journal-table <table> +the journal table/)
    expect(result.stdout).toContain('--no-wait')
    expect((await run(['--help'])).stdout).toContain('Exit codes: 0 clean')
  })
})
