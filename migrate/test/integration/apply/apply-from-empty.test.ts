import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApplyEvent, apply } from '../../../src/index.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'
import { journalLines, run, schemaSnapshot } from './support/catalog-snapshot.js'
import { SAMPLE_MIGRATIONS, SAMPLE_STATEMENTS } from './support/sample-migrations.js'

describe('apply', () => {
  let dsql: MigrateTestDsql
  beforeAll(async () => {
    dsql = await startMigrateTestDsql()
  })
  afterAll(() => dsql.stop())

  it('applies every statement from an empty database and records each in the journal', async () => {
    const pool = dsql.pool()
    const events: ApplyEvent[] = []
    const result = await apply({ pool, migrations: SAMPLE_MIGRATIONS, onEvent: (e) => events.push(e) })

    expect(result.applied).toBe(SAMPLE_STATEMENTS)
    expect(result.recovered).toBe(0)
    expect(result.migrations.map((m) => [m.id, m.applied, m.skipped])).toEqual([
      ['0001_init', 5, 0],
      ['0002_alter', 8, 0],
    ])
    const journal = await journalLines(pool)
    expect(journal).toHaveLength(SAMPLE_STATEMENTS)
    expect(new Set(journal.map((line) => line.state))).toEqual(new Set(['applied']))
    expect(events.filter((e) => e.type === 'statement.applied')).toHaveLength(SAMPLE_STATEMENTS)
    expect(events.map((e) => e.type).slice(0, 3)).toEqual([
      'journal.created',
      'journal.created',
      'lock.acquired',
    ])
    expect(events.at(-1)?.type).toBe('lock.released')

    const users = await run(pool, 'SELECT email, state FROM users')
    expect(users).toEqual([{ email: 'first@example.com', state: 'active' }])
    const indexes = (await schemaSnapshot(pool)) as { indexes: { index: string; valid: boolean }[] }
    expect(indexes.indexes.map((i) => i.index)).toEqual(
      expect.arrayContaining(['users_email_key', 'orders_user_id_idx', 'order_items_sku_idx']),
    )
  })

  it('does nothing on a second run: every statement is recorded', async () => {
    const pool = dsql.pool()
    const before = await schemaSnapshot(pool)
    const events: ApplyEvent[] = []
    const result = await apply({ pool, migrations: SAMPLE_MIGRATIONS, onEvent: (e) => events.push(e) })
    expect(result.applied).toBe(0)
    expect(result.migrations.every((m) => m.skipped === m.statements)).toBe(true)
    expect(events.map((e) => e.type)).toEqual(['lock.acquired', 'lock.released'])
    expect(await schemaSnapshot(pool)).toEqual(before)
  })

  it('records the job id of each async statement', async () => {
    const pool = dsql.pool()
    const jobs = await run(
      pool,
      `SELECT migration_id, statement_index, job_id FROM pg_dsql_migrate_journal WHERE job_id IS NOT NULL
        ORDER BY migration_id, statement_index`,
    )
    expect(jobs.map((j) => [j.migration_id, j.statement_index])).toEqual([
      ['0001_init', 1],
      ['0001_init', 3],
      ['0002_alter', 4],
      ['0002_alter', 6],
    ])
    expect(jobs.every((j) => /^[a-z0-9]{26}$/.test(String(j.job_id)))).toBe(true)
  })
})
