import { expect, it } from 'vitest'
import type { OrmMigration } from '../../../src/adapters/orm-migration.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'
import { type CatalogSnapshot, catalogSnapshot } from './catalog.js'
import { ECOMMERCE_TABLES, expectEcommerceSchema } from './ecommerce.js'
import { applyThroughMigrator, type PipelinePool, planThroughTransform, status } from './pipeline.js'

type PoolLike = PipelinePool & { end?(): Promise<void> }

/** The error the killed runner's connections give from the moment it is "killed". */
class RunnerKilled extends Error {
  override readonly name = 'RunnerKilled'
  readonly code = '57P01' // admin_shutdown: what a connection whose process went away reports
}

/**
 * A pool that dies on demand, as the process running `apply` would under SIGKILL: from `kill()` on,
 * every query on every connection it handed out fails and every connection is closed instead of
 * reused, so nothing more reaches the database (not the journal row the statement was about to get).
 */
function killablePool(pool: PipelinePool): { pool: PipelinePool; kill(): void } {
  let dead = false
  return {
    kill() {
      dead = true
    },
    pool: {
      async connect() {
        if (dead) throw new RunnerKilled('the runner was killed')
        const client = await pool.connect()
        let released = false
        return {
          query(text, values) {
            return dead
              ? Promise.reject(new RunnerKilled('the runner was killed'))
              : client.query(text, values)
          },
          release(error) {
            if (released) return
            released = true
            client.release(dead ? true : error)
          },
        }
      },
    },
  }
}

/**
 * Applies `migrations` on `dsql`'s empty database with the runner killed right after each statement
 * in turn commits and before it is recorded (the worst moment: applied but not journaled), then a
 * run to the end; returns the catalog for comparison with a clean run. Every run uses the same
 * runner name, as the restart of a deploy that died would, so it takes its own lock back at once.
 */
export async function applyKilledAtEachStatement(
  dsql: MigrateTestDsql,
  migrations: readonly OrmMigration[],
): Promise<{ snapshot: CatalogSnapshot; kills: number }> {
  const holderId = `orm-kill-test-${process.pid}`
  let kills = 0
  for (;;) {
    const base = dsql.pool({ max: 3 }) as unknown as PoolLike
    const { pool, kill } = killablePool(base)
    let killed = false
    try {
      await applyThroughMigrator({
        pool,
        migrations,
        lock: { holderId },
        retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
        onEvent(event) {
          if (event.type === 'statement.committed' && !killed) {
            killed = true
            kill()
          }
        },
      })
      if (!killed) break
    } catch (error) {
      if (!killed) throw error
    } finally {
      await base.end?.()
    }
    kills++
    if (kills > 200) throw new Error('the runner never finished: more than 200 kills')
  }
  // One kill per statement: each run recovers the statement the last one was killed after and
  // gets exactly one statement further.
  const planned = await planThroughTransform(migrations)
  expect(kills).toBe(planned.reduce((sum, m) => sum + m.statements.length, 0))
  return { snapshot: await catalogSnapshot(dsql.pool(), ECOMMERCE_TABLES), kills }
}

/**
 * Two runners apply `migrations` at once on `dsql`'s empty database; afterwards `status` finds every
 * statement applied exactly once and nothing pending or drifted.
 */
export async function expectConcurrentRunsLeaveOneJournal(
  dsql: MigrateTestDsql,
  migrations: readonly OrmMigration[],
): Promise<void> {
  await Promise.all(
    ['a', 'b'].map((runner) =>
      applyThroughMigrator({
        pool: dsql.pool({ max: 3 }),
        migrations,
        lock: { holderId: `orm-concurrent-${runner}` },
      }),
    ),
  )
  if (status === undefined) throw new Error('pg-dsql-migrate exports no status() yet')
  // The journal is what is checked here; catalog drift is status's own business (its tests).
  const report = await status({ pool: dsql.pool(), migrations, checkCatalog: false })
  const states = report.migrations.flatMap((migration) =>
    migration.statements.map((statement, index) => `${migration.id}#${index}: ${statement.state}`),
  )
  const expected = migrations.flatMap((migration) => {
    const found = report.migrations.find((m) => m.id === migration.id)
    return (found?.statements ?? []).map((_, index) => `${migration.id}#${index}: applied`)
  })
  expect(states).toEqual(expected)
  expect(states.length).toBeGreaterThan(0)
  // One row per statement (the journal's key is migration and statement), none left over.
  const rows = await dsql.pool().query<{ n: string }>('SELECT count(*) AS n FROM pg_dsql_migrate_journal')
  expect(Number(rows.rows[0]?.n)).toBe(states.length)
}

/**
 * The two tests every ORM's pipeline must pass, from its own migrations (read when the tests run:
 * the files' `beforeAll` builds them): a runner killed after each statement in turn ends in the
 * clean run's schema, and two runners at once leave one complete journal and the altered schema.
 */
export function itSurvivesKillsAndConcurrentRunners(migrations: () => readonly OrmMigration[]): void {
  it('ends in the clean run’s schema when the runner is killed after each statement in turn', async () => {
    const clean = await startMigrateTestDsql()
    const killed = await startMigrateTestDsql()
    try {
      await applyThroughMigrator({ pool: clean.pool(), migrations: migrations() })
      const expected = await catalogSnapshot(clean.pool(), ECOMMERCE_TABLES)
      const { snapshot } = await applyKilledAtEachStatement(killed, migrations())
      expect(snapshot).toEqual(expected)
    } finally {
      await Promise.all([clean.stop(), killed.stop()])
    }
  })

  it('leaves one complete journal when two runners apply the migrations at once', async () => {
    const dsql = await startMigrateTestDsql()
    try {
      await expectConcurrentRunsLeaveOneJournal(dsql, migrations())
      expectEcommerceSchema(await catalogSnapshot(dsql.pool(), ECOMMERCE_TABLES), 'altered')
    } finally {
      await dsql.stop()
    }
  })
}
