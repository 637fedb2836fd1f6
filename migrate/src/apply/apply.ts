import { loadSqlParser } from '../sql/index.js'
import { transform } from '../transform/index.js'
import { MigrationDriftError, MigrationPlanError } from './apply-errors.js'
import { eventEmitter } from './apply-events.js'
import { type ApplyOptions, resolveApplyOptions } from './apply-options.js'
import { Journal } from './journal.js'
import { isDone, isRecordedComplete, journalDrifts, rowsByIndex } from './journal-drift.js'
import { MigrationLock } from './migration-lock.js'
import { type PlannedMigration, planMigrations } from './plan-migrations.js'
import { StatementRecognizer } from './recognition/index.js'
import { RunnerSession } from './runner-session.js'
import { type RunContext, runStep } from './statement-runner.js'

/** What one migration came to in a run. */
export interface AppliedMigration {
  readonly id: string
  /** Statements in its plan. */
  readonly statements: number
  /** Run and recorded by this run. */
  readonly applied: number
  /** Found applied in the catalog (a previous run stopped before recording them) and recorded. */
  readonly recovered: number
  /** Recorded before this run. */
  readonly skipped: number
}

export interface ApplyResult {
  readonly migrations: readonly AppliedMigration[]
  readonly applied: number
  readonly recovered: number
}

/**
 * Applies `migrations` in order, each statement in a transaction of its own, under a lock that
 * keeps other runners out; records each statement in the journal; resumes where a previous run
 * stopped. Throws an `ApplyError` subclass naming the migration, the statement and what to do.
 */
export async function apply(options: ApplyOptions): Promise<ApplyResult> {
  const resolved = resolveApplyOptions(options)
  const emit = eventEmitter(resolved.onEvent)
  const parser = await loadSqlParser()
  const plan = await planMigrations(resolved.migrations, transform, resolved.transform, parser)
  const session = new RunnerSession(resolved.pool)
  const journal = new Journal(resolved.journal, resolved.retry, emit)
  const lock = new MigrationLock(resolved.pool, resolved.journal, resolved.lock, resolved.retry, emit)
  try {
    await journal.ensure(session)
    await lock.acquire(session)
    try {
      const ctx: RunContext = {
        session,
        journal,
        lock,
        recognizer: new StatementRecognizer(parser, session),
        options: resolved,
        emit,
      }
      const result = await runAll(ctx, plan)
      await lock.release(session)
      return result
    } catch (error) {
      lock.abandon()
      // Give the lock back so the next run need not wait out the lease; if that fails too, the
      // lease ends on its own, and the run's own error is the one to report.
      await lock.release(session).then(noop, noop)
      throw error
    }
  } finally {
    session.release()
  }
}

const noop = () => undefined

async function runAll(ctx: RunContext, plan: readonly PlannedMigration[]): Promise<ApplyResult> {
  const journalRows = await ctx.journal.read(ctx.session)
  const rows = new Map(plan.map((migration) => [migration.id, rowsByIndex(journalRows, migration.id)]))
  // Refuse before anything runs: a run that stops halfway through a deploy is worse than none.
  const problems = plan.flatMap((m) => (isRecordedComplete(m, rows.get(m.id) ?? new Map()) ? [] : m.problems))
  if (problems.length > 0) throw new MigrationPlanError(problems)
  const drifts = plan.flatMap((m) => journalDrifts(m, rows.get(m.id) ?? new Map()))
  if (drifts.length > 0) throw new MigrationDriftError(drifts)

  const results: AppliedMigration[] = []
  for (const migration of plan) {
    const recorded = rows.get(migration.id) ?? new Map()
    const complete = isRecordedComplete(migration, recorded)
    const pending = complete ? [] : migration.steps.filter((step) => !isDone(recorded.get(step.ref.index)))
    const counts = { applied: 0, recovered: 0 }
    if (pending.length > 0) {
      ctx.emit({
        type: 'migration.started',
        migrationId: migration.id,
        statements: migration.steps.length,
        pending: pending.length,
      })
      for (const step of pending) counts[await runStep(ctx, migration, step, recorded.get(step.ref.index))]++
      ctx.emit({ type: 'migration.applied', migrationId: migration.id, ...counts })
    }
    results.push({
      id: migration.id,
      statements: migration.steps.length,
      ...counts,
      skipped: migration.steps.length - pending.length,
    })
  }
  return {
    migrations: results,
    applied: results.reduce((sum, m) => sum + m.applied, 0),
    recovered: results.reduce((sum, m) => sum + m.recovered, 0),
  }
}
