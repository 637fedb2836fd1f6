import { loadSqlParser } from '../sql/index.js'
import { transform } from '../transform/index.js'
import type { Drift, PlanProblem, StatementRef } from './apply-errors.js'
import { eventEmitter } from './apply-events.js'
import { resolveApplyOptions, type StatusOptions } from './apply-options.js'
import { Journal, type JournalRow, type JournalState } from './journal.js'
import { isDone, isRecordedComplete, journalDrifts, rowsByIndex } from './journal-drift.js'
import { type PlannedMigration, type PlannedStep, planMigrations } from './plan-migrations.js'
import { type Recognition, StatementRecognizer } from './recognition/index.js'
import { RunnerSession } from './runner-session.js'
import { isSuperseded, type Subjects, subjectsOf } from './statement-subjects.js'

/** One statement's state. */
export interface StatementStatus {
  readonly statement: StatementRef
  readonly kind: PlannedStep['kind']
  readonly async: boolean
  /**
   * `applied`: recorded, and the catalog still agrees; `pending`: not recorded (`interrupted`
   * when a run stopped at it); `drifted`: see `drift`.
   */
  readonly state: 'applied' | 'pending' | 'drifted'
  /** How the journal recorded it, when it did. */
  readonly recorded?: JournalState
  readonly appliedAt?: Date
  readonly interrupted?: boolean
  readonly drift?: Drift
}

export interface MigrationStatus {
  readonly id: string
  /** `partial`: some statements applied, some pending. */
  readonly state: 'applied' | 'partial' | 'pending' | 'drifted'
  /** Its source changed since it was (partly) applied; statements that did not change are not drift. */
  readonly checksumChanged: boolean
  readonly statements: readonly StatementStatus[]
  /** Why it cannot be applied (transform's errors), if so. */
  readonly problems: readonly PlanProblem[]
}

export interface StatusResult {
  readonly migrations: readonly MigrationStatus[]
  readonly applied: readonly StatementStatus[]
  readonly pending: readonly StatementStatus[]
  readonly drifted: readonly StatementStatus[]
  /** Journal rows of migrations not in `migrations` (applied by another branch or renamed). */
  readonly unknown: readonly JournalRow[]
  /**
   * Whether the catalog was asked (see `checkCatalog`). Not when `unknown` has rows: a migration
   * this checkout does not have may have changed the objects since, and its changes would read as
   * drift of the statements given.
   */
  readonly catalogChecked: boolean
}

export interface StatusCheckOptions extends StatusOptions {
  /**
   * Also ask the catalog whether what each applied statement made is still there as it made it
   * (the last statement about each object only). @default true
   */
  readonly checkCatalog?: boolean
}

/**
 * Which statements are applied, pending or drifted. Reads only: it creates no journal on a new
 * cluster and takes no lock.
 */
export async function status(options: StatusCheckOptions): Promise<StatusResult> {
  const resolved = resolveApplyOptions(options)
  const parser = await loadSqlParser()
  const plan = await planMigrations(resolved.migrations, transform, resolved.transform, parser)
  const session = new RunnerSession(resolved.pool)
  const journal = new Journal(resolved.journal, resolved.retry, eventEmitter(undefined))
  try {
    const rows = await journal.read(session)
    const known = new Set(plan.map((m) => m.id))
    const unknown = rows.filter((row) => !known.has(row.migrationId))
    const catalogChecked = options.checkCatalog !== false && unknown.length === 0
    const recognizer = new StatementRecognizer(parser, session)
    const appliedSteps = plan.flatMap((m) => {
      const recorded = rowsByIndex(rows, m.id)
      return m.steps.filter(
        (s) => isDone(recorded.get(s.ref.index)) && recorded.get(s.ref.index)?.statementHash === s.hash,
      )
    })
    const subjects = new Map<PlannedStep, Subjects>(
      appliedSteps.map((s) => [s, subjectsOf(parser.parse(s.sql)[0]?.node ?? {})]),
    )
    const checker: CatalogCheck = {
      enabled: catalogChecked,
      later: (step) =>
        appliedSteps.slice(appliedSteps.indexOf(step) + 1).map((s) => subjects.get(s) as Subjects),
      subjects: (step) => subjects.get(step) as Subjects,
      recognize: (step) => journal.retrying(() => recognizer.recognize(step.sql)),
    }
    const migrations: MigrationStatus[] = []
    for (const migration of plan)
      migrations.push(await migrationStatus(migration, rowsByIndex(rows, migration.id), checker))
    const all = migrations.flatMap((m) => m.statements)
    return {
      migrations,
      applied: all.filter((s) => s.state === 'applied'),
      pending: all.filter((s) => s.state === 'pending'),
      drifted: all.filter((s) => s.state === 'drifted'),
      unknown,
      catalogChecked,
    }
  } finally {
    session.release()
  }
}

function migrationState(statements: readonly StatementStatus[]): MigrationStatus['state'] {
  if (statements.some((s) => s.state === 'drifted')) return 'drifted'
  if (statements.every((s) => s.state === 'applied')) return 'applied'
  return statements.some((s) => s.state === 'applied') ? 'partial' : 'pending'
}

interface CatalogCheck {
  readonly enabled: boolean
  later(step: PlannedStep): Subjects[]
  subjects(step: PlannedStep): Subjects
  recognize(step: PlannedStep): Promise<Recognition>
}

async function migrationStatus(
  migration: PlannedMigration,
  recorded: ReadonlyMap<number, JournalRow>,
  checker: CatalogCheck,
): Promise<MigrationStatus> {
  const drifts = new Map(journalDrifts(migration, recorded).map((d) => [d.statement.index, d]))
  const complete = isRecordedComplete(migration, recorded)
  const statements: StatementStatus[] = []
  for (const step of migration.steps) {
    const row = recorded.get(step.ref.index)
    const base = { statement: step.ref, kind: step.kind, async: step.async }
    const journalDrift = drifts.get(step.ref.index)
    if (journalDrift !== undefined) {
      statements.push({ ...base, state: 'drifted', recorded: row?.state, drift: journalDrift })
      continue
    }
    if (!complete && !isDone(row)) {
      statements.push({
        ...base,
        state: 'pending',
        ...(row?.state === 'started' ? { interrupted: true } : {}),
      })
      continue
    }
    const check =
      checker.enabled && !isSuperseded(checker.subjects(step), checker.later(step))
        ? await checker.recognize(step)
        : undefined
    const differences = check === undefined ? [] : catalogDifferences(check)
    const recordedAs = {
      recorded: row?.state,
      ...(row?.appliedAt === undefined ? {} : { appliedAt: row.appliedAt }),
    }
    statements.push(
      differences.length === 0
        ? { ...base, state: 'applied', ...recordedAs }
        : {
            ...base,
            state: 'drifted',
            ...recordedAs,
            drift: { statement: step.ref, kind: 'catalog', differences },
          },
    )
  }
  // A statement the journal records and the migration no longer has.
  for (const drift of drifts.values()) {
    if (drift.kind === 'removed')
      statements.push({ statement: drift.statement, kind: 'ddl', async: false, state: 'drifted', drift })
  }
  return {
    id: migration.id,
    state: migrationState(statements),
    checksumChanged: [...recorded.values()].some((row) => row.migrationChecksum !== migration.checksum),
    statements,
    problems: migration.problems,
  }
}

function catalogDifferences(check: Recognition): readonly string[] {
  switch (check.state) {
    case 'applied':
    case 'rerun':
      return []
    case 'drift':
      return check.differences
    case 'not-applied':
      return [check.reason]
    case 'job-failed':
      return [`its job ${check.jobId} failed${check.details === undefined ? '' : `: ${check.details}`}`]
  }
}
