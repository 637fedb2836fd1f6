import { createHash } from 'node:crypto'

/**
 * One migration read from an ORM's artifacts, in the shape `apply({ pool, migrations })` takes:
 * an id that stays the same from run to run (the journal is keyed by it) and PostgreSQL SQL as the
 * ORM wrote it, which `transform` turns into DSQL's forms.
 */
export interface OrmMigration {
  readonly id: string
  readonly sql: string
}

// What a captured migration sends that is no schema change to keep: its own transactions (apply
// gives every statement one) and reads (they answered nothing while capturing).
const NOT_KEPT = /^\s*(?:begin|start\s+transaction|commit|end|rollback|savepoint|release|select|show)\b/i

/** Whether SQL an ORM sent while being captured belongs in the migration. */
export function isKeptStatement(sql: string): boolean {
  return !NOT_KEPT.test(sql)
}

/**
 * Statements captured one by one (some ORMs put several in one string) as one SQL text, each
 * ending in a semicolon on a line of its own, so the parser splits them where the ORM meant.
 */
export function joinStatements(statements: readonly string[]): string {
  return statements
    .map((statement) => statement.trim().replace(/;+$/, '').trim())
    .filter((statement) => statement.length > 0)
    .map((statement) => `${statement};\n`)
    .join('\n')
}

/**
 * An id for SQL that has no name of its own (a schema diff, a push): `prefix-` and the first 12 hex
 * digits of its SHA-256. The same SQL gets the same id, so running the same diff again is a no-op
 * for the journal, and a different diff is a new migration.
 */
export function contentId(prefix: string, sql: string): string {
  return `${prefix}-${createHash('sha256').update(sql).digest('hex').slice(0, 12)}`
}

/** A migration for captured statements, or none when the ORM had nothing to change. */
export function capturedMigration(
  prefix: string,
  statements: readonly string[],
  id: string | undefined,
): OrmMigration[] {
  const sql = joinStatements(statements)
  return sql.length === 0 ? [] : [{ id: id ?? contentId(prefix, sql), sql }]
}

const SOURCE_ERROR_BRAND = Symbol.for('pg-dsql-migrate.MigrationSourceError')

/**
 * An ORM's migrations could not be read: a missing folder or journal, a migration that failed
 * while its SQL was captured. The message names the file or migration and what to do.
 */
export class MigrationSourceError extends Error {
  override readonly name = 'MigrationSourceError'
  readonly code = 'ERR_DSQL_MIGRATE_SOURCE'
  /** Each subpath bundles its own copy of this class: `instanceof` checks the brand, not the copy. */
  readonly [SOURCE_ERROR_BRAND] = true
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[SOURCE_ERROR_BRAND] === true
    )
  }
}
