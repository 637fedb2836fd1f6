import {
  MigrationConflictError,
  MigrationDriftError,
  MigrationFailedError,
  MigrationJobFailedError,
} from './apply-errors.js'
import type { ApplyEvent } from './apply-events.js'
import type { ResolvedApplyOptions } from './apply-options.js'
import { JobWaitTimeout, waitForJob } from './job-wait.js'
import type { Journal, JournalEntry, JournalRow, JournalState } from './journal.js'
import type { MigrationLock } from './migration-lock.js'
import type { PlannedMigration, PlannedStep } from './plan-migrations.js'
import type { Recognition, StatementRecognizer } from './recognition/index.js'
import {
  exhaustedError,
  NothingCommitted,
  OutcomeUnknown,
  RetriesExhausted,
  type RunnerSession,
  withRetries,
} from './runner-session.js'
import { sqlStateOf } from './sql-errors.js'

/** What a run shares across statements. */
export interface RunContext {
  readonly session: RunnerSession
  readonly journal: Journal
  readonly lock: MigrationLock
  readonly recognizer: StatementRecognizer
  readonly options: ResolvedApplyOptions
  readonly emit: (event: ApplyEvent) => void
}

// "Already exists" and "does not exist": what running again a statement that was applied says
// (CREATE, ADD COLUMN, DROP …). Trusted only for a statement whose outcome is unknown.
const ALREADY_DONE = new Set(['42P07', '42710', '42701', '42P06', '42723', '42P01', '42704', '42703'])

/**
 * Brings one statement to `applied` or `recovered` in the journal, or throws. `previous` is its
 * journal row; `started` means a run stopped at it, so the catalog decides what happened.
 */
export async function runStep(
  ctx: RunContext,
  migration: PlannedMigration,
  step: PlannedStep,
  previous: JournalRow | undefined,
): Promise<'applied' | 'recovered'> {
  ctx.lock.assertHeld()
  const entry: JournalEntry = {
    migrationId: step.ref.migrationId,
    index: step.ref.index,
    statementHash: step.hash,
    migrationChecksum: migration.checksum,
    statementCount: migration.steps.length,
  }
  let tolerant = false
  if (previous?.state === 'started') {
    const verdict = await recognize(ctx, step)
    if (verdict.state === 'applied') return recover(ctx, step, entry, verdict)
    if (verdict.state === 'drift') {
      throw new MigrationDriftError([
        { statement: step.ref, kind: 'catalog', differences: verdict.differences },
      ])
    }
    if (verdict.state === 'job-failed') {
      await cleanUp(ctx, verdict.cleanup)
      await forget(ctx, entry)
      throw new MigrationJobFailedError(step.ref, verdict.jobId, verdict.details, step.sql)
    }
    if (verdict.state === 'not-applied') await cleanUp(ctx, verdict.cleanup)
    tolerant = verdict.state === 'rerun'
  }
  return step.kind === 'dml' ? runDml(ctx, step, entry) : runAutocommit(ctx, step, entry, tolerant)
}

/** DDL (and SET, CALL …): intent, the statement in its own transaction, then the record. */
async function runAutocommit(
  ctx: RunContext,
  step: PlannedStep,
  entry: JournalEntry,
  tolerant: boolean,
): Promise<'applied' | 'recovered'> {
  await record(ctx, entry, 'started')
  ctx.emit({ type: 'statement.started', statement: step.ref, kind: step.kind, async: step.async })
  let mayHaveApplied = tolerant
  let outcome: { rows: readonly Record<string, unknown>[] } | { recovered: string; pendingJobId?: string }
  try {
    outcome = await withRetries(
      ctx.options.retry,
      async () => {
        try {
          return await ctx.session.autocommit(step.sql)
        } catch (error) {
          if (mayHaveApplied && ALREADY_DONE.has(sqlStateOf(error) ?? '')) {
            return { recovered: `running it again, the server said: ${(error as Error).message}` }
          }
          if (!(error instanceof OutcomeUnknown)) throw error
          // The statement may have committed: the catalog says whether it did.
          mayHaveApplied = true
          const verdict = await recognize(ctx, step)
          if (verdict.state === 'applied') return { recovered: verdict.reason, ...pending(verdict) }
          if (verdict.state === 'drift') {
            throw new MigrationDriftError([
              { statement: step.ref, kind: 'catalog', differences: verdict.differences },
            ])
          }
          if (verdict.state === 'not-applied') await cleanUp(ctx, verdict.cleanup)
          throw new NothingCommitted(error.cause)
        }
      },
      {
        idempotent: false,
        onRetry: (notice) => ctx.emit({ type: 'statement.retried', statement: step.ref, ...notice }),
      },
    )
  } catch (error) {
    throw await failed(ctx, step, entry, error)
  }
  if ('recovered' in outcome)
    return recover(ctx, step, entry, { reason: outcome.recovered, ...pending(outcome) })
  const jobId = step.async ? jobIdOf(outcome.rows) : undefined
  ctx.emit({ type: 'statement.committed', statement: step.ref, ...(jobId === undefined ? {} : { jobId }) })
  if (jobId !== undefined) await awaitJob(ctx, step, entry, jobId)
  await record(ctx, entry, 'applied', jobId)
  ctx.emit({ type: 'statement.applied', statement: step.ref, ...(jobId === undefined ? {} : { jobId }) })
  return 'applied'
}

/** DML: the statement, the lease renewal and the journal row commit together, or not at all. */
async function runDml(ctx: RunContext, step: PlannedStep, entry: JournalEntry): Promise<'applied'> {
  ctx.emit({ type: 'statement.started', statement: step.ref, kind: step.kind, async: false })
  try {
    await withRetries(
      ctx.options.retry,
      async () => {
        try {
          await ctx.session.transaction(async (session) => {
            await ctx.lock.fence(session)
            await session.query(step.sql)
            await ctx.journal.write(session, entry, 'applied', ctx.lock.holder)
          })
        } catch (error) {
          if (!(error instanceof OutcomeUnknown)) throw error
          // Committed if and only if its journal row is there.
          const rows = await ctx.journal.read(ctx.session)
          if (
            rows.some(
              (r) => r.migrationId === entry.migrationId && r.index === entry.index && r.state === 'applied',
            )
          )
            return
          throw new NothingCommitted(error.cause)
        }
      },
      {
        idempotent: false,
        onRetry: (notice) => ctx.emit({ type: 'statement.retried', statement: step.ref, ...notice }),
      },
    )
  } catch (error) {
    throw await failed(ctx, step, undefined, error)
  }
  ctx.lock.renewed()
  ctx.emit({ type: 'statement.committed', statement: step.ref })
  ctx.emit({ type: 'statement.applied', statement: step.ref })
  return 'applied'
}

const noop = () => undefined

const pending = (found: { pendingJobId?: string }) =>
  found.pendingJobId === undefined ? {} : { pendingJobId: found.pendingJobId }

async function recover(
  ctx: RunContext,
  step: PlannedStep,
  entry: JournalEntry,
  verdict: { reason: string; pendingJobId?: string },
): Promise<'recovered'> {
  if (verdict.pendingJobId !== undefined) await awaitJob(ctx, step, entry, verdict.pendingJobId)
  await record(ctx, entry, 'recovered', verdict.pendingJobId)
  ctx.emit({ type: 'statement.recovered', statement: step.ref, reason: verdict.reason })
  return 'recovered'
}

async function awaitJob(
  ctx: RunContext,
  step: PlannedStep,
  entry: JournalEntry,
  jobId: string,
): Promise<void> {
  ctx.emit({ type: 'job.waiting', statement: step.ref, jobId })
  let outcome: Awaited<ReturnType<typeof waitForJob>>
  try {
    outcome = await ctx.journal.retrying(() => waitForJob(ctx.session, jobId, ctx.options.jobs))
  } catch (error) {
    if (error instanceof JobWaitTimeout) {
      throw new MigrationJobFailedError(
        step.ref,
        jobId,
        `${error.message}; it goes on, and the next run waits for it again`,
        step.sql,
      )
    }
    throw error
  }
  if (outcome.status === 'unknown') {
    // DSQL no longer lists the job: the catalog says whether it built (or validated).
    const verdict = await recognize(ctx, step)
    if (verdict.state === 'applied' || verdict.state === 'rerun')
      outcome = { status: 'completed', details: undefined }
    else
      outcome = {
        status: 'failed',
        details: 'DSQL no longer lists the job, and the catalog does not show its result',
      }
  }
  if (outcome.status === 'failed') {
    const verdict = await recognize(ctx, step)
    if (verdict.state === 'job-failed' || verdict.state === 'not-applied') await cleanUp(ctx, verdict.cleanup)
    await forget(ctx, entry)
    throw new MigrationJobFailedError(step.ref, jobId, outcome.details, step.sql)
  }
  ctx.emit({ type: 'job.completed', statement: step.ref, jobId })
}

function jobIdOf(rows: readonly Record<string, unknown>[]): string | undefined {
  const id = rows[0]?.job_id
  return typeof id === 'string' && id.length > 0 ? id : undefined
}

function recognize(ctx: RunContext, step: PlannedStep): Promise<Recognition> {
  return ctx.journal.retrying(() => ctx.recognizer.recognize(step.sql))
}

async function record(
  ctx: RunContext,
  entry: JournalEntry,
  state: JournalState,
  jobId?: string,
): Promise<void> {
  await journalWrite(ctx, async (session) => ctx.journal.write(session, entry, state, ctx.lock.holder, jobId))
}

/** Takes back a `started` row whose statement failed for sure, so the next run starts it afresh. */
async function forget(ctx: RunContext, entry: JournalEntry): Promise<void> {
  await journalWrite(ctx, (session) => ctx.journal.forget(session, entry))
}

async function journalWrite(
  ctx: RunContext,
  write: (session: RunnerSession) => Promise<void>,
): Promise<void> {
  await ctx.journal.retrying(() =>
    ctx.session.transaction(async (session) => {
      await ctx.lock.fence(session)
      await write(session)
    }),
  )
  ctx.lock.renewed()
}

/** A statement whose retries ran out: conflicts as such, a lost connection as the statement's failure. */
function exhaustedAt(step: PlannedStep, error: RetriesExhausted): unknown {
  const settled = exhaustedError(error, step.ref)
  return settled instanceof MigrationConflictError
    ? settled
    : new MigrationFailedError(step.ref, step.sql, settled)
}

/** Drops what a failed async build left (an invalid index), so the statement can run again. */
async function cleanUp(ctx: RunContext, cleanup: string | undefined): Promise<void> {
  if (cleanup !== undefined) await ctx.journal.retrying(() => ctx.session.query(cleanup))
}

/** The error a failed statement ends the run with; its `started` row is taken back first. */
async function failed(
  ctx: RunContext,
  step: PlannedStep,
  entry: JournalEntry | undefined,
  error: unknown,
): Promise<unknown> {
  if (error instanceof MigrationDriftError || error instanceof MigrationJobFailedError) return error
  const failure =
    error instanceof RetriesExhausted
      ? exhaustedAt(step, error)
      : error instanceof OutcomeUnknown
        ? new MigrationFailedError(step.ref, step.sql, error.cause)
        : new MigrationFailedError(step.ref, step.sql, error)
  // A conflict or a refusal means nothing committed: the next run starts the statement afresh.
  // After an unknown outcome the row stays, so the next run asks the catalog. Should taking the
  // row back fail too, it stays `started` and the next run asks the catalog as well, which finds
  // nothing applied: the statement's own error is the one to report.
  if (entry !== undefined && !(error instanceof OutcomeUnknown)) await forget(ctx, entry).then(noop, noop)
  return failure
}
