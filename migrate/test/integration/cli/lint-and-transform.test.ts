import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderSql, transform } from '../../../src/index.js'
import { bundleCli, type CliRun, runCliProcess } from '../../support/cli.js'

// The command in a process of its own, as a shell or CI runs it: exit codes, stdout and stderr,
// standard input. What it prints and reads is tested in process (test/unit/cli/run-cli.test.ts).

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
    ['a syntax error', SYNTAX, 2, 'Errors remain'],
  ] as const)('lints a migration that is %s: exit code and verdict', async (name, sql, code, verdict) => {
    const path = join(dir, `${name.replaceAll(' ', '-')}.sql`)
    await writeFile(path, sql)
    const result = await run(['lint', path])
    expect(result.code).toBe(code)
    expect(result.stdout).toContain(verdict)
    expect(result.stderr).toBe('')
  })

  it('transform writes the DSQL statements on stdout and the report on stderr', async () => {
    const path = join(dir, 'fixed.sql')
    await writeFile(path, FIXED)
    const result = await run(['transform', path])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(renderSql((await transform(FIXED)).statements))
    expect(result.stdout).toContain('CREATE INDEX ASYNC t_email ON t (email);')
    expect(result.stderr).toContain('index-async')
  })

  it('reads standard input when given no path or "-", named by --source', async () => {
    const result = await run(['lint', '--source', 'piped.sql'], ADVISORY)
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('piped.sql:1:24  advisory  serial-to-identity')
    expect((await run(['lint', '-'], CLEAN)).code).toBe(0)
  })

  it.each([
    [
      ['lint', '--bogus'],
      'pg-dsql-migrate lint: unknown option --bogus. Its options are --json, --identity-cache, --source and --help.',
    ],
    [[], 'Usage: pg-dsql-migrate <command>'],
  ])('refuses %j with exit 64 on stderr', async (args, message) => {
    const result = await run(args)
    expect(result.code).toBe(64)
    expect(result.stderr).toContain(message)
    expect(result.stdout).toBe('')
  })
})
