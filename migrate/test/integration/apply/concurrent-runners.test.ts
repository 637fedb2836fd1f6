import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ApplyEvent, apply, MigrationLockError } from '../../../src/index.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'
import { journalLines, run } from './support/catalog-snapshot.js'
import { onceBefore, recordingPool } from './support/recording-pool.js'
import { SAMPLE_MIGRATIONS, SAMPLE_STATEMENTS } from './support/sample-migrations.js'

const statementKey = (e: ApplyEvent) =>
  'statement' in e ? `${e.statement.migrationId}#${e.statement.index}` : ''

describe('apply with several runners', () => {
  let dsql: MigrateTestDsql
  beforeEach(async () => {
    dsql = await startMigrateTestDsql()
  })
  afterEach(() => dsql.stop())

  it('leaves one complete journal and applies every statement once when three runners start together', async () => {
    const events: ApplyEvent[][] = [[], [], []]
    const results = await Promise.all(
      events.map((log, at) =>
        apply({
          pool: dsql.pool(),
          migrations: SAMPLE_MIGRATIONS,
          lock: { holderId: `deploy-${at}`, pollIntervalMs: 50 },
          onEvent: (e) => log.push(e),
        }),
      ),
    )
    const applied = events
      .flat()
      .filter((e) => e.type === 'statement.applied')
      .map(statementKey)
    expect(applied).toHaveLength(SAMPLE_STATEMENTS)
    expect(new Set(applied).size).toBe(SAMPLE_STATEMENTS)
    expect(results.reduce((sum, r) => sum + r.applied, 0)).toBe(SAMPLE_STATEMENTS)
    const journal = await journalLines(dsql.pool())
    expect(journal).toHaveLength(SAMPLE_STATEMENTS)
    expect(journal.every((line) => line.state === 'applied')).toBe(true)
    expect(await run(dsql.pool(), 'SELECT count(*)::int AS n FROM users')).toEqual([{ n: 1 }])
  })

  it('makes a second runner wait while the first applies, then find everything recorded', async () => {
    let waiting: () => void = () => undefined
    const secondWaits = new Promise<void>((resolve) => {
      waiting = resolve
    })
    let second: Promise<unknown> = Promise.resolve()
    const secondEvents: ApplyEvent[] = []
    // The first runner stops before its third statement until the second one says it waits.
    const hold = onceBefore('CREATE TABLE orders', () => secondWaits)
    const first = apply({
      pool: recordingPool(dsql.pool(), hold),
      migrations: SAMPLE_MIGRATIONS,
      onEvent: (e) => {
        if (e.type !== 'lock.acquired') return
        second = apply({
          pool: dsql.pool(),
          migrations: SAMPLE_MIGRATIONS,
          lock: { pollIntervalMs: 50 },
          onEvent: (f) => {
            secondEvents.push(f)
            if (f.type === 'lock.waiting') waiting()
          },
        })
      },
    })
    expect((await first).applied).toBe(SAMPLE_STATEMENTS)
    expect(await second).toMatchObject({ applied: 0, recovered: 0 })
    expect(secondEvents.map((e) => e.type)).toEqual(['lock.waiting', 'lock.acquired', 'lock.released'])
  })

  it('fails at once with MigrationLockError (busy) when lock.wait is false and another runner holds the lock', async () => {
    const pool = dsql.pool()
    await apply({ pool, migrations: [] })
    await run(
      pool,
      "UPDATE pg_dsql_migrate_journal_lock SET holder = 'deploy-a', expires_at = now() + interval '1 hour'",
    )
    const busy = await apply({ pool, migrations: SAMPLE_MIGRATIONS, lock: { wait: false } }).catch(
      (e: unknown) => e,
    )
    expect(busy).toBeInstanceOf(MigrationLockError)
    expect(busy).toMatchObject({ code: 'ERR_DSQL_MIGRATE_LOCK', reason: 'busy', holder: 'deploy-a' })
    const late = await apply({ pool, migrations: SAMPLE_MIGRATIONS, lock: { waitTimeoutMs: 0 } }).catch(
      (e: unknown) => e,
    )
    expect(late).toMatchObject({ reason: 'timeout', holder: 'deploy-a' })
    expect(await run(pool, "SELECT to_regclass('users') AS users")).toEqual([{ users: null }])
  })

  it('takes over the lock of a runner whose lease ran out', async () => {
    const pool = dsql.pool()
    await apply({ pool, migrations: [] })
    await run(
      pool,
      "UPDATE pg_dsql_migrate_journal_lock SET holder = 'dead', expires_at = now() - interval '1 second'",
    )
    const result = await apply({ pool, migrations: SAMPLE_MIGRATIONS, lock: { wait: false } })
    expect(result.applied).toBe(SAMPLE_STATEMENTS)
  })

  it('stops before recording anything more when another runner took its lock, and that runner resumes the statement', async () => {
    // A thief takes the lock right before the third statement runs, as one would after this
    // runner's lease ran out.
    const steal = onceBefore('CREATE TABLE orders', () =>
      run(
        dsql.pool(),
        "UPDATE pg_dsql_migrate_journal_lock SET holder = 'thief', expires_at = now() + interval '1 hour'",
      ),
    )
    const lost = await apply({
      pool: recordingPool(dsql.pool(), steal),
      migrations: SAMPLE_MIGRATIONS,
    }).catch((e: unknown) => e)
    expect(lost).toBeInstanceOf(MigrationLockError)
    expect(lost).toMatchObject({ reason: 'lost' })
    expect((await journalLines(dsql.pool())).map((l) => [l.index, l.state])).toEqual([
      [0, 'applied'],
      [1, 'applied'],
      [2, 'started'],
    ])
    expect(await run(dsql.pool(), 'SELECT holder FROM pg_dsql_migrate_journal_lock')).toEqual([
      { holder: 'thief' },
    ])

    const events: ApplyEvent[] = []
    await apply({
      pool: dsql.pool(),
      migrations: SAMPLE_MIGRATIONS,
      lock: { holderId: 'thief' },
      onEvent: (e) => events.push(e),
    })
    expect(events.filter((e) => e.type === 'statement.recovered').map(statementKey)).toEqual(['0001_init#2'])
    expect(
      (await journalLines(dsql.pool())).every((l) => l.state === 'applied' || l.state === 'recovered'),
    ).toBe(true)
  })
})
