import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ApplyEvent, apply, MigrationJobFailedError } from '../../../src/index.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'
import { journalLines, run } from './support/catalog-snapshot.js'
import { recordingPool } from './support/recording-pool.js'

const TABLES = {
  id: '0001_tables',
  statements: [
    'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)',
    'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL)',
    "INSERT INTO users VALUES (1, 'a@example.com'), (2, 'a@example.com')",
    'INSERT INTO orders VALUES (10, 1), (11, 99)',
  ],
}

describe('apply and DSQL async jobs', () => {
  let dsql: MigrateTestDsql
  beforeEach(async () => {
    dsql = await startMigrateTestDsql()
    await apply({ pool: dsql.pool(), migrations: [TABLES] })
  })
  afterEach(() => dsql.stop())

  it('waits for an index build with sys.wait_for_job and reads its end in sys.jobs before recording it', async () => {
    const pool = recordingPool(dsql.pool())
    const events: ApplyEvent[] = []
    await apply({
      pool,
      migrations: [
        TABLES,
        { id: '0002_index', statements: ['CREATE INDEX ASYNC orders_user_idx ON orders (user_id)'] },
      ],
      onEvent: (e) => events.push(e),
    })
    const waiting = events.find((e) => e.type === 'job.waiting')
    const jobId = waiting?.type === 'job.waiting' ? waiting.jobId : ''
    expect(jobId).toMatch(/^[a-z0-9]{26}$/)
    expect(
      events.map((e) => e.type).filter((t) => t.startsWith('job.') || t.startsWith('statement.')),
    ).toEqual([
      'statement.started',
      'statement.committed',
      'job.waiting',
      'job.completed',
      'statement.applied',
    ])
    const sqls = pool.queries.map((q) => q.sql)
    const created = sqls.findIndex((sql) => sql.startsWith('CREATE INDEX ASYNC'))
    const waited = pool.queries.findIndex(
      (q) => q.sql === 'CALL sys.wait_for_job($1)' && q.values?.[0] === jobId,
    )
    const read = sqls.findIndex((sql, at) => at > waited && sql.includes('FROM sys.jobs'))
    const recorded = sqls.findIndex(
      (sql, at) => at > read && sql.includes('INSERT INTO "public"."pg_dsql_migrate_journal"'),
    )
    expect([created < waited, waited < read, read < recorded]).toEqual([true, true, true])
  })

  it('polls sys.jobs instead when jobs.method is poll', async () => {
    const pool = recordingPool(dsql.pool())
    await apply({
      pool,
      migrations: [
        TABLES,
        { id: '0002_index', statements: ['CREATE INDEX ASYNC orders_user_idx ON orders (user_id)'] },
      ],
      jobs: { method: 'poll' },
    })
    expect(pool.queries.some((q) => q.sql.startsWith('CALL'))).toBe(false)
    expect(pool.queries.some((q) => q.sql.startsWith('SELECT status, details FROM sys.jobs'))).toBe(true)
  })

  it('fails the migration with the job error when a validation finds violating rows, and validates once they are fixed', async () => {
    const pool = dsql.pool()
    const migrations = [
      TABLES,
      {
        id: '0002_fk',
        statements: [
          'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID',
          'ALTER TABLE ASYNC orders VALIDATE CONSTRAINT orders_user_fk',
        ],
      },
    ]
    const failure = await apply({ pool, migrations }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MigrationJobFailedError)
    expect(failure).toMatchObject({
      name: 'MigrationJobFailedError',
      code: 'ERR_DSQL_MIGRATE_JOB_FAILED',
      statement: { migrationId: '0002_fk', index: 1 },
      jobId: expect.stringMatching(/^[a-z0-9]{26}$/),
      details: expect.any(String),
    })
    expect((failure as Error).message).toMatch(
      /^Migration "0002_fk" statement 2 \(0002_fk#2:1:1\): DSQL job \w+ failed: /,
    )
    // The first statement stays recorded, the failed one does not, and the constraint stays NOT VALID.
    expect(
      (await journalLines(pool)).filter((l) => l.migration === '0002_fk').map((l) => [l.index, l.state]),
    ).toEqual([[0, 'applied']])
    expect(
      await run(pool, "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_fk'"),
    ).toEqual([{ convalidated: false }])

    await run(pool, 'DELETE FROM orders WHERE user_id = 99')
    const result = await apply({ pool, migrations })
    expect(result.migrations[1]).toMatchObject({ applied: 1, skipped: 1 })
    expect(
      await run(pool, "SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_fk'"),
    ).toEqual([{ convalidated: true }])
  })

  it('fails the migration when a unique index build meets duplicate keys, and builds it once they are gone', async () => {
    const pool = dsql.pool()
    const migrations = [
      TABLES,
      { id: '0002_unique', statements: ['CREATE UNIQUE INDEX ASYNC users_email_key ON users (email)'] },
    ]
    const failure = await apply({ pool, migrations }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MigrationJobFailedError)
    expect((failure as MigrationJobFailedError).details).toMatch(/duplicate key/i)
    expect(await run(pool, "SELECT to_regclass('users_email_key') AS index")).toEqual([{ index: null }])

    await run(pool, 'DELETE FROM users WHERE id = 2')
    await apply({ pool, migrations })
    expect(await run(pool, "SELECT to_regclass('users_email_key')::text AS index")).toEqual([
      { index: 'users_email_key' },
    ])
  })
})
