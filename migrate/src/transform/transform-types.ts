import type { SourceLocation } from '../sql/index.js'

/**
 * How much a change asks of its reader:
 * - `fixed`: rewritten to the DSQL form with the same meaning; nothing to review.
 * - `advisory`: rewritten or kept, but the meaning changed (a type widened, an extension dropped,
 *   a constraint no longer checked at once); review it.
 * - `error`: DSQL has no form for this; the change says what to do instead.
 */
export type Severity = 'fixed' | 'advisory' | 'error'

/** One thing transform changed or found, with why and where. */
export interface Change {
  /** A stable, kebab-case name for the rule, e.g. `serial-to-identity`, for filtering and JSON. */
  readonly rule: string
  readonly severity: Severity
  /** Why: what DSQL refuses or does differently, in one sentence. */
  readonly message: string
  /** What to review (advisory) or what to do instead (error). */
  readonly hint?: string
  /** Where the source statement starts. */
  readonly location: SourceLocation
  /** The source statement, as written. */
  readonly statement: string
  /**
   * An advisory acknowledged in the migration by a `-- pg-dsql-migrate: allow <rule>` comment
   * right before the statement: still applied, no longer counted in `status`.
   */
  readonly acknowledged?: boolean
}

/** One statement of the output, to run in a transaction of its own. */
export interface PlannedStatement {
  readonly sql: string
  /** Where the source statement it came from starts. */
  readonly location: SourceLocation
  /**
   * `CREATE INDEX ASYNC` or `ALTER TABLE ASYNC … VALIDATE CONSTRAINT`: DSQL answers with a
   * `job_id` to wait for before the statement counts as applied.
   */
  readonly async: boolean
  /** `ddl` (schema), `dml` (rows), or `other` (SET, SELECT, CALL …). */
  readonly kind: 'ddl' | 'dml' | 'other'
}

export interface TransformOptions {
  /** Named in every location, e.g. the migration's file. */
  readonly source?: string
  /**
   * The `CACHE` given to identity columns made from `serial` and to sequences written without
   * one. DSQL takes 1 or at least 65536; 65536 by default.
   */
  readonly identityCache?: number
}

export interface TransformResult {
  /** The statements to run, in order, each in its own transaction. */
  readonly statements: readonly PlannedStatement[]
  /** Everything changed or found, in source order. */
  readonly changes: readonly Change[]
  /**
   * The worst severity among the changes (an acknowledged advisory counts as `fixed`); `clean`
   * when there are none.
   */
  readonly status: 'clean' | Severity
}
