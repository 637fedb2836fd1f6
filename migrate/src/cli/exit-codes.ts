/**
 * The command's exit codes, one meaning each, so CI can tell them apart:
 * - `clean` (0): nothing to change (lint, transform), all applied (apply, status);
 * - `changed` (1): changes, each with a DSQL form (`fixed` or `advisory`: review the advisories);
 *   for `status`, statements still pending, or journal rows of migrations not given, and
 *   nothing drifted;
 * - `errors` (2): a statement has no DSQL form, or apply refused or failed (drift, a failed
 *   statement or job, the lock), or status found drift;
 * - `unavailable` (3): could not reach the database (pg-dsql missing, its configuration refused,
 *   no connection);
 * - `usage` (64, sysexits' EX_USAGE): a bad command line or an unreadable input;
 * - `internal` (70, EX_SOFTWARE): an unexpected failure, with its stack (a bug: report it).
 */
export const EXIT_CODES = {
  clean: 0,
  changed: 1,
  errors: 2,
  unavailable: 3,
  usage: 64,
  internal: 70,
} as const

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES]

/** The command line could not be used: a bad flag, a missing path. Exits with `usage` (64). */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError'
  readonly code = 'ERR_DSQL_MIGRATE_USAGE'
}

/** The database could not be reached or configured. Exits with `unavailable` (3). */
export class CliUnavailableError extends Error {
  override readonly name = 'CliUnavailableError'
  readonly code = 'ERR_DSQL_MIGRATE_UNAVAILABLE'
}
