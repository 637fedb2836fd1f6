export { type AppliedMigration, type ApplyResult, apply } from './apply.js'
export {
  APPLY_ERROR_CODES,
  ApplyError,
  type ApplyErrorCode,
  ApplyOptionError,
  type Drift,
  MigrationConflictError,
  MigrationDriftError,
  MigrationFailedError,
  MigrationJobFailedError,
  MigrationLockError,
  MigrationPlanError,
  type PlanProblem,
  type StatementRef,
} from './apply-errors.js'
export type { ApplyEvent, ApplyEventType } from './apply-events.js'
export type {
  ApplyOptions,
  ApplyRetryOptions,
  JobOptions,
  JournalOptions,
  LockOptions,
  Migration,
  StatusOptions,
} from './apply-options.js'
export type { JournalRow, JournalState } from './journal.js'
export type { MigrateClient, MigratePool, MigrateQueryResult } from './migrate-pool.js'
export type { QueryFailure } from './sql-errors.js'
export {
  type MigrationStatus,
  type StatementStatus,
  type StatusCheckOptions,
  type StatusResult,
  status,
} from './status.js'
