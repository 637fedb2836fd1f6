import { formatLocation, type SourceLocation } from '../sql/index.js'
import { classifyFailure } from './sql-errors.js'

// Each class carries a brand from Symbol.for, so `instanceof` holds when the package is loaded
// twice (its ESM and CJS builds in one process), as pg-dsql's own errors do.
const brandsKey = Symbol.for('pg-dsql-migrate.brands')

interface BrandedClass {
  readonly brand: symbol
}

const isBrandedClass = (value: unknown): value is BrandedClass =>
  typeof value === 'function' && typeof (value as { brand?: unknown }).brand === 'symbol'

/** Where a statement is: its migration, its place in the migration's plan, its source location. */
export interface StatementRef {
  readonly migrationId: string
  /** The statement's index in the migration's plan, from 0. */
  readonly index: number
  readonly location: SourceLocation
}

/** The codes of `apply` and `status` errors. */
export const APPLY_ERROR_CODES = [
  'ERR_DSQL_MIGRATE_OPTION',
  'ERR_DSQL_MIGRATE_PLAN',
  'ERR_DSQL_MIGRATE_STATEMENT_FAILED',
  'ERR_DSQL_MIGRATE_JOB_FAILED',
  'ERR_DSQL_MIGRATE_CONFLICTS',
  'ERR_DSQL_MIGRATE_DRIFT',
  'ERR_DSQL_MIGRATE_LOCK',
] as const
export type ApplyErrorCode = (typeof APPLY_ERROR_CODES)[number]

/** Every error `apply` and `status` throw extends this class. */
export class ApplyError extends Error {
  static readonly brand: symbol = Symbol.for('pg-dsql-migrate.ApplyError')

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (value === null || typeof value !== 'object') return false
    const brands = (value as { [brandsKey]?: ReadonlySet<symbol> })[brandsKey]
    return brands?.has(this.brand) === true
  }

  override name = 'ApplyError'
  readonly code: ApplyErrorCode

  constructor(message: string, code: ApplyErrorCode, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.code = code
    const brands = new Set<symbol>()
    for (let klass: unknown = new.target; isBrandedClass(klass); klass = Object.getPrototypeOf(klass)) {
      brands.add(klass.brand)
    }
    Object.defineProperty(this, brandsKey, { value: brands, enumerable: false })
  }
}

/** An option of `apply` or `status` is missing or malformed; `option` names it. */
export class ApplyOptionError extends ApplyError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-migrate.ApplyOptionError')
  override name = 'ApplyOptionError' as const
  constructor(
    message: string,
    readonly option: string,
  ) {
    super(message, 'ERR_DSQL_MIGRATE_OPTION')
  }
}

/** A problem found before anything ran: `transform` reported errors, or a syntax error. */
export interface PlanProblem {
  readonly migrationId: string
  readonly location: SourceLocation
  readonly message: string
  readonly hint?: string
}

/** A migration cannot be planned; nothing was applied. */
export class MigrationPlanError extends ApplyError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-migrate.MigrationPlanError')
  override name = 'MigrationPlanError' as const
  constructor(readonly problems: readonly PlanProblem[]) {
    const lines = problems.map(
      (p) => `  ${formatLocation(p.location)}: ${p.message}${p.hint === undefined ? '' : ` (${p.hint})`}`,
    )
    const ids = [...new Set(problems.map((p) => `"${p.migrationId}"`))]
    super(
      `Migration${ids.length > 1 ? 's' : ''} ${ids.join(', ')} cannot be applied on DSQL:\n${lines.join('\n')}\n` +
        'Nothing was applied. Rewrite these statements (`pg-dsql-migrate lint` shows each with its fix), then run again.',
      'ERR_DSQL_MIGRATE_PLAN',
    )
  }
}

/** The first line of a statement, short enough for a message. */
export function excerpt(sql: string): string {
  const line = sql.trim().split('\n')[0] ?? ''
  return line.length > 120 ? `${line.slice(0, 117)}...` : line
}

const where = (ref: StatementRef) =>
  `Migration "${ref.migrationId}" statement ${ref.index + 1} (${formatLocation(ref.location)})`

/** The server refused a statement. Everything before it stays applied and recorded. */
export class MigrationFailedError extends ApplyError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-migrate.MigrationFailedError')
  override name = 'MigrationFailedError' as const
  /** The server's SQLSTATE, when it sent one. */
  readonly sqlState: string | undefined
  constructor(
    readonly statement: StatementRef,
    sql: string,
    cause: unknown,
  ) {
    const state = (cause as { code?: unknown } | null)?.code
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(
      `${where(statement)} failed: ${reason}${typeof state === 'string' ? ` [${state}]` : ''}\n` +
        `  ${excerpt(sql)}\n` +
        (isStatementFailure(cause)
          ? 'Statements before it are applied and recorded. Fix this statement (or the data it needs), then run apply again: it resumes here.'
          : 'Statements before it are applied and recorded. The database could not be reached to finish it: run apply again once it can be; it resumes here, and finds whether this statement was applied.'),
      'ERR_DSQL_MIGRATE_STATEMENT_FAILED',
      cause,
    )
    this.sqlState = typeof state === 'string' ? state : undefined
  }
}

/** DSQL's async job (an index build or a constraint validation) ended in failure. */
export class MigrationJobFailedError extends ApplyError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-migrate.MigrationJobFailedError')
  override name = 'MigrationJobFailedError' as const
  constructor(
    readonly statement: StatementRef,
    readonly jobId: string,
    /** `sys.jobs.details`: the job's own error, when DSQL gave one. */
    readonly details: string | undefined,
    sql: string,
  ) {
    super(
      `${where(statement)}: DSQL job ${jobId} failed${details === undefined ? '' : `: ${details}`}\n` +
        `  ${excerpt(sql)}\n` +
        'An index build fails on duplicate keys, a validation on rows that break the constraint. Fix the rows, then run apply again: it runs this statement again.',
      'ERR_DSQL_MIGRATE_JOB_FAILED',
    )
  }
}

/** Conflicts or transient failures kept coming until the retry budget ran out. */
export class MigrationConflictError extends ApplyError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-migrate.MigrationConflictError')
  override name = 'MigrationConflictError' as const
  constructor(
    readonly statement: StatementRef | undefined,
    readonly attempts: number,
    cause: unknown,
  ) {
    const subject = statement === undefined ? 'The journal' : where(statement)
    super(
      `${subject} still conflicted after ${attempts} attempts: ${cause instanceof Error ? cause.message : String(cause)}\n` +
        'Another writer kept changing the same rows or the schema. Run apply again when it is quiet, or raise `retry.maxAttempts`.',
      'ERR_DSQL_MIGRATE_CONFLICTS',
      cause,
    )
  }
}

/** One way the database no longer matches what the journal and the plan say. */
export interface Drift {
  readonly statement: StatementRef
  /**
   * - `changed`: the statement's SQL differs from the SQL recorded when it was applied;
   * - `removed`: the journal records a statement the migration no longer has;
   * - `catalog`: the catalog does not hold what the statement creates (or holds it differently).
   */
  readonly kind: 'changed' | 'removed' | 'catalog'
  readonly differences: readonly string[]
}

/** The journal or the catalog disagrees with the plan; nothing more was applied. */
export class MigrationDriftError extends ApplyError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-migrate.MigrationDriftError')
  override name = 'MigrationDriftError' as const
  constructor(readonly drifts: readonly Drift[]) {
    const lines = drifts.map((d) => `  ${where(d.statement)} [${d.kind}]: ${d.differences.join('; ')}`)
    super(
      `The database has drifted from the migrations:\n${lines.join('\n')}\n` +
        'Applied migrations must not be edited: restore the statement as it was applied, or write a new migration that changes the schema. ' +
        'An object made or changed by hand must be put back to what the statement creates.',
      'ERR_DSQL_MIGRATE_DRIFT',
    )
  }
}

/**
 * The lock that keeps two runners apart: `busy` (held, and `lock.wait` is false), `timeout`
 * (still held after `lock.waitTimeoutMs`) or `lost` (this runner's lease ran out and another
 * runner took the lock).
 */
export class MigrationLockError extends ApplyError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-migrate.MigrationLockError')
  override name = 'MigrationLockError' as const
  constructor(
    readonly reason: 'busy' | 'timeout' | 'lost',
    /** The runner holding the lock, as it named itself (host, pid, a random part). */
    readonly holder: string | undefined,
    message: string,
  ) {
    super(message, 'ERR_DSQL_MIGRATE_LOCK')
  }
}

/** The statement itself failed (its SQL, its data), not the connection or the service under it. */
function isStatementFailure(cause: unknown): boolean {
  const failure = classifyFailure(cause)
  return failure !== 'connection' && failure !== 'unavailable' && failure !== 'outcome-unknown'
}
