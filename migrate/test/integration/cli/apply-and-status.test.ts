import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleCli, type CliRun, runCliProcess } from '../../support/cli.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'

// Two migrations in the forms ORMs write (serial, a plain index, a foreign key added to an
// existing table): the command plans them with transform, as apply() does, into 2 + 3 statements
// (the foreign key becomes ADD CONSTRAINT … NOT VALID, then an async VALIDATE job).
const INIT = `CREATE TABLE users (id serial PRIMARY KEY, email varchar(255) NOT NULL);
CREATE INDEX users_email_idx ON users (email);
`
const ALTER = `ALTER TABLE users ADD COLUMN manager_id bigint;
ALTER TABLE users ADD CONSTRAINT users_manager_fk FOREIGN KEY (manager_id) REFERENCES users (id);
`

describe('pg-dsql-migrate apply and status', () => {
  let dsql: MigrateTestDsql
  let cli: string
  let dir: string
  let env: NodeJS.ProcessEnv
  const run = (args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    runCliProcess(cli, args, { env: { ...env, ...extraEnv } })

  beforeAll(async () => {
    dsql = await startMigrateTestDsql()
    cli = await bundleCli({ withDriver: true })
    dir = await mkdtemp(join(tmpdir(), 'pg-dsql-migrate-cli-'))
    await mkdir(join(dir, 'migrations'))
    await writeFile(join(dir, 'migrations/0001_init.sql'), INIT)
    await writeFile(join(dir, 'migrations/0002_manager.sql'), ALTER)
    // What a deploy sets for pg-dsql: endpoints, credentials, the CA; nothing on the command line.
    env = { PATH: process.env.PATH, ...dsql.emulator.env }
  })
  afterAll(async () => {
    await dsql.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('reports every statement pending on a new cluster (exit 1), then applies them all (exit 0)', async () => {
    const before = await run(['status', join(dir, 'migrations')])
    expect(before.code).toBe(1)
    expect(before.stdout).toContain('pending   0001_init.sql  0/2 applied')
    expect(before.stdout).toContain('0 statements applied, 5 pending, 0 drifted.')

    const applied = await run(['apply', join(dir, 'migrations')])
    expect(applied.stderr).toContain('0001_init.sql: 2 of 2 statements to apply')
    expect(applied.stderr).toMatch(/ {2}applied {4}0001_init\.sql #2 \(0001_init\.sql:2:1\)/)
    expect(applied.stdout).toBe('Applied 5 statements in 2 migrations.\n')
    expect(applied.code).toBe(0)

    const after = await run(['status', '--json', join(dir, 'migrations')])
    expect(after.code).toBe(0)
    const report = JSON.parse(after.stdout)
    expect(report.migrations.map((m: { state: string }) => m.state)).toEqual(['applied', 'applied'])
    expect(report.pending).toEqual([])
  })

  it('finds nothing to apply the second time, and says so in JSON too', async () => {
    const again = await run(['apply', '--json', join(dir, 'migrations')])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: 0, recovered: 0 })
    expect((await run(['apply', join(dir, 'migrations')])).stdout).toBe(
      'Nothing to apply: 2 migrations already applied.\n',
    )
  })

  it('reports a migration edited after it was applied as drift (exit 2), and apply refuses it (exit 2)', async () => {
    await mkdir(join(dir, 'edited'))
    await writeFile(join(dir, 'edited/0001_init.sql'), INIT.replace('varchar(255)', 'varchar(320)'))
    const drift = await run(['status', join(dir, 'edited')])
    expect(drift.code).toBe(2)
    expect(drift.stdout).toContain('drifted  #1 (0001_init.sql:1:1) [changed]')
    const refused = await run(['apply', join(dir, 'edited')])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('MigrationDriftError: The database has drifted from the migrations:')
    const json = await run(['apply', '--json', join(dir, 'edited')])
    expect(JSON.parse(json.stdout).error).toMatchObject({
      name: 'MigrationDriftError',
      code: 'ERR_DSQL_MIGRATE_DRIFT',
    })
  })

  it('reports journal rows of migrations it was not given (exit 1, not "everything applied")', async () => {
    // A checkout behind the cluster: 0002, applied from a newer branch, changed 0001's table.
    // Its column must not read as drift of 0001 (the catalog is not asked), nor pass as "all applied".
    await mkdir(join(dir, 'ahead'))
    await writeFile(join(dir, 'ahead/0001_a.sql'), 'CREATE TABLE ahead_a (id uuid PRIMARY KEY);\n')
    await writeFile(join(dir, 'ahead/0002_b.sql'), 'ALTER TABLE ahead_a ADD COLUMN note text;\n')
    const journal = ['--journal-table', 'ahead_journal']
    expect((await run(['apply', ...journal, join(dir, 'ahead')])).code).toBe(0)
    await mkdir(join(dir, 'behind'))
    await writeFile(join(dir, 'behind/0001_a.sql'), 'CREATE TABLE ahead_a (id uuid PRIMARY KEY);\n')
    const behind = await run(['status', ...journal, join(dir, 'behind')])
    expect(behind.stdout).toContain('applied   0001_a.sql  1/1 applied')
    expect(behind.stdout).toContain(
      'unknown   0002_b.sql #1 is in the journal but not among the migrations given',
    )
    expect(behind.stdout).toContain('The catalog was not checked')
    expect(behind.code).toBe(1)
    const json = await run(['status', '--json', ...journal, join(dir, 'behind')])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({
      unknown: [{ migrationId: '0002_b.sql' }],
      catalogChecked: false,
      drifted: [],
    })
  })

  it('refuses a migration with no DSQL form before running anything (exit 2)', async () => {
    await mkdir(join(dir, 'trigger'))
    await writeFile(
      join(dir, 'trigger/0003_trigger.sql'),
      'CREATE TABLE audit (id uuid PRIMARY KEY);\nCREATE TRIGGER t BEFORE UPDATE ON audit FOR EACH ROW EXECUTE FUNCTION f();\n',
    )
    const refused = await run(['apply', join(dir, 'trigger')])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(
      'MigrationPlanError: Migration "0003_trigger.sql" cannot be applied on DSQL',
    )
    expect((await run(['status', '--no-catalog', join(dir, 'trigger')])).code).toBe(2)
  })

  it('keeps its journal where --journal-table says', async () => {
    await mkdir(join(dir, 'other'))
    await writeFile(join(dir, 'other/0001_other.sql'), 'CREATE TABLE other_t (id uuid PRIMARY KEY);\n')
    const result = await run(['apply', '--journal-table', 'cli_journal', join(dir, 'other')])
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('created public.cli_journal')
    expect((await run(['status', '--journal-table', 'cli_journal', join(dir, 'other')])).code).toBe(0)
    // The default journal never heard of it.
    expect((await run(['status', '--no-catalog', join(dir, 'other')])).code).toBe(1)
  })

  it('fails with exit 3 naming the fix when pg-dsql is not installed or not configured, or the endpoint does not answer', async () => {
    const missing = await runCliProcess(
      await bundleCli({ withDriver: false }),
      ['status', join(dir, 'migrations')],
      {
        env,
      },
    )
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain(
      'which is not installed: run "npm install pg-dsql" next to pg-dsql-migrate.',
    )
    const unconfigured = await runCliProcess(cli, ['status', join(dir, 'migrations')], {
      env: { PATH: process.env.PATH },
    })
    expect(unconfigured.code).toBe(3)
    expect(unconfigured.stderr).toContain('No DSQL endpoint is configured')
    expect(unconfigured.stderr).toContain('the same environment variables as pg-dsql (DSQL_ENDPOINTS')
    // Configured, but nothing listens where the endpoint says.
    const closed = String(env.DSQL_ENDPOINTS).replace(/:\d+$/, ':1')
    const unreachable = await run(['apply', '--max-attempts', '1', join(dir, 'migrations')], {
      DSQL_ENDPOINTS: closed,
    })
    expect(unreachable.code).toBe(3)
    expect(unreachable.stderr).toMatch(/^Could not reach the database: .+\. Check DSQL_ENDPOINTS/)
  })
})
