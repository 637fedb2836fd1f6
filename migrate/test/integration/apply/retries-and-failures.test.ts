import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type ApplyEvent,
  apply,
  type Migration,
  MigrationConflictError,
  MigrationFailedError,
} from '../../../src/index.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'
import { journalLines, run } from './support/catalog-snapshot.js'
import { onceBefore, recordingPool } from './support/recording-pool.js'

const MIGRATION: Migration = {
  id: '0001_init',
  statements: [
    'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)',
    "INSERT INTO users VALUES (1, 'a@example.com')",
    'ALTER TABLE users ADD COLUMN name text',
  ],
}

const retried = (events: readonly ApplyEvent[]) =>
  events.flatMap((e) => (e.type === 'statement.retried' ? [[e.statement.index, e.failure] as const] : []))

describe('apply under conflicts and failures', () => {
  let dsql: MigrateTestDsql
  beforeEach(async () => {
    dsql = await startMigrateTestDsql()
  })
  afterEach(() => dsql.stop())

  // The driver's own autocommit retries are off, so what is retried is the runner's doing.
  const plainPool = () => dsql.pool({ retry: false })

  it('retries a DDL statement that meets OC001 (schema changed) and a DML one whose commit meets OC000', async () => {
    const before = async (sql: string) => {
      await armSchema(sql)
      await armOcc(sql)
    }
    const armSchema = onceBefore('CREATE TABLE users', () => dsql.emulator.inject({ kind: 'schema' }))
    const armOcc = onceBefore('INSERT INTO users', () => dsql.emulator.inject({ kind: 'occ' }))
    const events: ApplyEvent[] = []
    const result = await apply({
      pool: recordingPool(plainPool(), before),
      migrations: [MIGRATION],
      onEvent: (e) => events.push(e),
    })
    expect(result.applied).toBe(3)
    expect(retried(events)).toEqual([
      [0, 'schema'],
      [1, 'occ'],
    ])
    expect(await run(dsql.pool(), 'SELECT count(*)::int AS n FROM users')).toEqual([{ n: 1 }])
    expect((await journalLines(dsql.pool())).map((l) => l.state)).toEqual(['applied', 'applied', 'applied'])
  })

  it('gives up with the connection’s own error, not a conflict, when the database cannot be reached', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    const events: ApplyEvent[] = []
    const failure = await apply({
      pool: { connect: () => Promise.reject(refused) },
      migrations: [MIGRATION],
      retry: { maxAttempts: 2, baseDelayMs: 0 },
      onEvent: (e) => events.push(e),
    }).catch((error: unknown) => error)
    expect(failure).toBe(refused)
    expect(events.map((e) => (e.type === 'journal.retried' ? e.failure : e.type))).toEqual(['connection'])
  })

  it('gives up with MigrationConflictError after retry.maxAttempts, and leaves the statement unrecorded', async () => {
    const before = onceBefore('ALTER TABLE users ADD COLUMN', () =>
      dsql.emulator.inject({ kind: 'schema', count: 3 }),
    )
    const failure = await apply({
      pool: recordingPool(plainPool(), before),
      migrations: [MIGRATION],
      retry: { maxAttempts: 3, baseDelayMs: 1 },
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MigrationConflictError)
    expect(failure).toMatchObject({
      code: 'ERR_DSQL_MIGRATE_CONFLICTS',
      attempts: 3,
      statement: { index: 2 },
    })
    expect((failure as Error).message).toContain(
      'Migration "0001_init" statement 3 (0001_init#3:1:1) still conflicted after 3 attempts',
    )
    expect((await journalLines(dsql.pool())).map((l) => [l.index, l.state])).toEqual([
      [0, 'applied'],
      [1, 'applied'],
    ])
  })

  it('fails with MigrationFailedError naming the statement, its location and the server error, and resumes there once it is fixed', async () => {
    const broken: Migration = {
      ...MIGRATION,
      statements: [...(MIGRATION.statements ?? []).slice(0, 2), 'ALTER TABLE nope ADD COLUMN x text'],
    }
    const failure = await apply({ pool: dsql.pool(), migrations: [broken] }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MigrationFailedError)
    expect(failure).toMatchObject({
      name: 'MigrationFailedError',
      code: 'ERR_DSQL_MIGRATE_STATEMENT_FAILED',
      sqlState: '42P01',
      statement: {
        migrationId: '0001_init',
        index: 2,
        location: { source: '0001_init#3', line: 1, column: 1 },
      },
    })
    expect((failure as Error).message).toBe(
      'Migration "0001_init" statement 3 (0001_init#3:1:1) failed: relation "nope" does not exist [42P01]\n' +
        '  ALTER TABLE nope ADD COLUMN x text\n' +
        'Statements before it are applied and recorded. Fix this statement (or the data it needs), then run apply again: it resumes here.',
    )
    // The lock is given back at once: the next run need not wait out the lease.
    expect(await run(dsql.pool(), 'SELECT holder FROM pg_dsql_migrate_journal_lock')).toEqual([
      { holder: null },
    ])
    const events: ApplyEvent[] = []
    await apply({ pool: dsql.pool(), migrations: [MIGRATION], onEvent: (e) => events.push(e) })
    expect(
      events.filter((e) => e.type === 'statement.applied').map((e) => 'statement' in e && e.statement.index),
    ).toEqual([2])
  })

  it.each([
    ['a DDL statement', 'ALTER TABLE users ADD COLUMN', 'error'],
    ['a DDL statement', 'ALTER TABLE users ADD COLUMN', 'drop'],
    ['a DML statement', 'INSERT INTO users', 'error'],
    ['a DML statement', 'INSERT INTO users', 'drop'],
  ] as const)(
    'records %s once when its commit applied but the answer was lost (before %s, reply %s)',
    async (_, prefix, reply) => {
      const events: ApplyEvent[] = []
      const before = onceBefore(prefix, () => dsql.emulator.inject({ kind: 'commit-ambiguous', reply }))
      await apply({
        pool: recordingPool(plainPool(), before),
        migrations: [MIGRATION],
        onEvent: (e) => events.push(e),
      })
      expect(await run(dsql.pool(), 'SELECT count(*)::int AS n FROM users')).toEqual([{ n: 1 }])
      expect(
        await run(
          dsql.pool(),
          "SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'name'",
        ),
      ).toEqual([{ n: 1 }])
      expect((await journalLines(dsql.pool())).map((l) => l.state)).toEqual(
        prefix.startsWith('ALTER') ? ['applied', 'applied', 'recovered'] : ['applied', 'applied', 'applied'],
      )
      if (prefix.startsWith('ALTER')) {
        expect(events.filter((e) => e.type === 'statement.recovered')).toHaveLength(1)
      }
    },
  )

  it('runs a DDL statement again when its connection broke before it ran', async () => {
    const before = onceBefore('ALTER TABLE users ADD COLUMN', () =>
      dsql.emulator.inject({ kind: 'drop-connection' }),
    )
    const events: ApplyEvent[] = []
    await apply({
      pool: recordingPool(plainPool(), before),
      migrations: [MIGRATION],
      onEvent: (e) => events.push(e),
    })
    expect(retried(events)).toEqual([[2, 'connection']])
    expect((await journalLines(dsql.pool())).map((l) => l.state)).toEqual(['applied', 'applied', 'applied'])
  })
})
