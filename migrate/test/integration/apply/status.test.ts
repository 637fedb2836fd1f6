import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apply, type Migration, MigrationDriftError, status } from '../../../src/index.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'
import { run } from './support/catalog-snapshot.js'
import { SAMPLE_MIGRATIONS } from './support/sample-migrations.js'

const [first, second] = SAMPLE_MIGRATIONS as [Migration, Migration]

/** The first migration with its first statement edited after it was applied. */
const edited: Migration = {
  ...first,
  statements: [
    String(first.statements?.[0]).replace('email varchar(255)', 'email varchar(320)'),
    ...(first.statements ?? []).slice(1),
  ],
}

describe('status', () => {
  let dsql: MigrateTestDsql
  beforeAll(async () => {
    dsql = await startMigrateTestDsql()
  })
  afterAll(() => dsql.stop())

  it('reports every statement pending on a new cluster, and creates nothing', async () => {
    const pool = dsql.pool()
    const report = await status({ pool, migrations: SAMPLE_MIGRATIONS })
    expect(report.applied).toHaveLength(0)
    expect(report.pending).toHaveLength(13)
    expect(report.migrations.map((m) => m.state)).toEqual(['pending', 'pending'])
    expect(await run(pool, "SELECT to_regclass('pg_dsql_migrate_journal') AS journal")).toEqual([
      { journal: null },
    ])
  })

  it('reports the applied migration applied and the next one pending', async () => {
    const pool = dsql.pool()
    await apply({ pool, migrations: [first] })
    const report = await status({ pool, migrations: SAMPLE_MIGRATIONS })
    expect(report.migrations.map((m) => [m.id, m.state])).toEqual([
      ['0001_init', 'applied'],
      ['0002_alter', 'pending'],
    ])
    expect(report.applied.map((s) => s.statement.index)).toEqual([0, 1, 2, 3, 4])
    expect(report.applied.every((s) => s.recorded === 'applied' && s.appliedAt instanceof Date)).toBe(true)
    expect(report.drifted).toEqual([])
  })

  it('reports a statement edited after it was applied as drifted, and apply refuses to go on', async () => {
    const pool = dsql.pool()
    const report = await status({ pool, migrations: [edited, second] })
    expect(report.drifted.map((s) => [s.statement.migrationId, s.statement.index, s.drift?.kind])).toEqual([
      ['0001_init', 0, 'changed'],
    ])
    expect(report.migrations[0]?.checksumChanged).toBe(true)
    const refused = await apply({ pool, migrations: [edited, second] }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(MigrationDriftError)
    expect(refused).toMatchObject({ code: 'ERR_DSQL_MIGRATE_DRIFT', name: 'MigrationDriftError' })
    expect((refused as Error).message).toContain(
      'Migration "0001_init" statement 1 (0001_init#1:1:1) [changed]',
    )
    expect((await status({ pool, migrations: SAMPLE_MIGRATIONS })).pending).toHaveLength(8)
  })

  it('reports what the catalog no longer holds as drifted: an index dropped by hand, a column changed', async () => {
    const pool = dsql.pool()
    await run(pool, 'DROP INDEX users_email_key')
    await run(pool, 'ALTER TABLE orders ALTER COLUMN total DROP NOT NULL')
    const report = await status({ pool, migrations: SAMPLE_MIGRATIONS })
    expect(report.drifted.map((s) => [s.statement.index, s.drift?.kind, s.drift?.differences])).toEqual([
      [1, 'catalog', ['index users_email_key does not exist']],
      [2, 'catalog', ['column orders.total is nullable, the statement makes it NOT NULL']],
    ])
    expect(report.migrations[0]?.state).toBe('drifted')
    expect((await status({ pool, migrations: SAMPLE_MIGRATIONS, checkCatalog: false })).drifted).toEqual([])
  })

  it('takes a migration applied in full from unchanged source as applied, however a newer version plans it', async () => {
    const pool = dsql.pool()
    // As if the version that applied it had printed its statements otherwise.
    await run(
      pool,
      "UPDATE pg_dsql_migrate_journal SET statement_hash = 'other:' || statement_hash WHERE migration_id = '0001_init'",
    )
    // The catalog drift the test above made by hand is not what this one is about.
    expect((await status({ pool, migrations: [first], checkCatalog: false })).migrations[0]).toMatchObject({
      state: 'applied',
      checksumChanged: false,
    })
    expect(await apply({ pool, migrations: [first] })).toMatchObject({ applied: 0, recovered: 0 })
    // Half applied, the same source planned otherwise is drift: finish with the version that started it.
    await run(
      pool,
      "UPDATE pg_dsql_migrate_journal SET state = 'started' WHERE migration_id = '0001_init' AND statement_index = 4",
    )
    const refused = await apply({ pool, migrations: [first] }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(MigrationDriftError)
    expect((refused as Error).message).toContain(
      'its source is unchanged, but this pg-dsql-migrate plans it differently',
    )
    await run(
      pool,
      `UPDATE pg_dsql_migrate_journal SET state = 'applied', statement_hash = substr(statement_hash, 7)
        WHERE migration_id = '0001_init'`,
    )
    expect((await status({ pool, migrations: [first], checkCatalog: false })).drifted).toEqual([])
  })

  it('reports a statement a run stopped at as pending and interrupted, and journal rows of unknown migrations', async () => {
    const pool = dsql.pool()
    await run(
      pool,
      `INSERT INTO pg_dsql_migrate_journal
         (migration_id, statement_index, statement_hash, migration_checksum, statement_count, state, runner, started_at)
       VALUES ('0002_alter', 0, 'x', 'y', 8, 'started', 'test', now()), ('0000_elsewhere', 0, 'x', 'y', 1, 'applied', 'test', now())`,
    )
    const report = await status({ pool, migrations: SAMPLE_MIGRATIONS, checkCatalog: false })
    expect(report.pending[0]).toMatchObject({
      statement: { migrationId: '0002_alter', index: 0 },
      interrupted: true,
    })
    expect(report.unknown.map((row) => row.migrationId)).toEqual(['0000_elsewhere'])
  })
})
