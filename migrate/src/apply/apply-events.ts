import type { StatementRef } from './apply-errors.js'
import type { QueryFailure } from './sql-errors.js'

/**
 * What `apply` reports as it goes, in order, to `onEvent`. No event carries SQL text, row data,
 * a token or a password: statements are named by migration, index and source location.
 */
export type ApplyEvent =
  /** The journal or lock table was created (the first run on a cluster). */
  | { readonly type: 'journal.created'; readonly table: string }
  /** Another runner holds the lock; this one polls until it is free. */
  | { readonly type: 'lock.waiting'; readonly holder: string; readonly expiresAt: Date | undefined }
  | { readonly type: 'lock.acquired'; readonly holder: string }
  | { readonly type: 'lock.released'; readonly holder: string }
  /** A journal or lock write conflicted (or lost its connection) and is tried again. */
  | {
      readonly type: 'journal.retried'
      readonly attempt: number
      readonly failure: QueryFailure
      readonly delayMs: number
    }
  /** A migration with statements still to apply. Fully applied migrations are passed silently. */
  | {
      readonly type: 'migration.started'
      readonly migrationId: string
      readonly statements: number
      readonly pending: number
    }
  | {
      readonly type: 'migration.applied'
      readonly migrationId: string
      readonly applied: number
      readonly recovered: number
    }
  /** The statement is about to run (for DDL: its intent is in the journal). */
  | {
      readonly type: 'statement.started'
      readonly statement: StatementRef
      readonly kind: 'ddl' | 'dml' | 'other'
      readonly async: boolean
    }
  /**
   * The statement committed and is not yet recorded (DML commits with its journal row, so for
   * DML this comes right before `statement.applied`).
   */
  | { readonly type: 'statement.committed'; readonly statement: StatementRef; readonly jobId?: string }
  /** The statement met a conflict or a transient failure before it committed, and runs again. */
  | {
      readonly type: 'statement.retried'
      readonly statement: StatementRef
      readonly attempt: number
      readonly failure: QueryFailure
      readonly delayMs: number
    }
  | { readonly type: 'job.waiting'; readonly statement: StatementRef; readonly jobId: string }
  | { readonly type: 'job.completed'; readonly statement: StatementRef; readonly jobId: string }
  /** The statement is applied and recorded. */
  | { readonly type: 'statement.applied'; readonly statement: StatementRef; readonly jobId?: string }
  /**
   * A statement a previous run applied without recording it (it stopped in between) was found
   * in the catalog and recorded; `reason` says what was found.
   */
  | { readonly type: 'statement.recovered'; readonly statement: StatementRef; readonly reason: string }

export type ApplyEventType = ApplyEvent['type']

/** Calls `onEvent`, if any. A listener that throws gets a process warning, not the migration. */
export function eventEmitter(
  onEvent: ((event: ApplyEvent) => void) | undefined,
): (event: ApplyEvent) => void {
  if (onEvent === undefined) return () => undefined
  return (event) => {
    try {
      onEvent(event)
    } catch (error) {
      process.emitWarning(
        `pg-dsql-migrate: an onEvent listener threw on ${event.type}: ${String(error)}`,
        'PgDsqlMigrateWarning',
      )
    }
  }
}
