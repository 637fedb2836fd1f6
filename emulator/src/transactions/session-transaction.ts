import type { StatementInfo } from '../sql/index.js'
import type { ErrorFields } from '../wire/index.js'

/** DSQL's per-transaction limits, configurable for tests. */
export interface TransactionLimits {
  /** Rows a transaction may insert, update or delete (DSQL: 3,000). */
  readonly maxRows: number
  /** Bytes a transaction may write (DSQL: 10 MiB). */
  readonly maxBytes: number
  /** Age at which a transaction's statements and COMMIT fail (DSQL: 300 s), in seconds. */
  readonly maxAgeSec: number
}

const MIB = 1024 * 1024

function limitError(message: string, detail?: string): ErrorFields {
  return detail === undefined
    ? { severity: 'ERROR', code: '54000', message }
    : { severity: 'ERROR', code: '54000', message, detail }
}

export function rowLimitError(): ErrorFields {
  return limitError('transaction row limit exceeded')
}

/** DSQL prints sizes in whole MiB, rounded up; below 1 MiB (small test limits), two digits. */
function mib(bytes: number): string {
  const value = bytes / MIB
  return value >= 1 ? String(Math.ceil(value)) : String(Number(value.toPrecision(2)))
}

export function sizeLimitError(sizeBytes: number, limits: TransactionLimits): ErrorFields {
  const limit = mib(limits.maxBytes)
  return limitError(
    `transaction size limit ${limit}mb exceeded`,
    `Current transaction size ${mib(sizeBytes)}mb > ${limit}mb`,
  )
}

export function ageLimitError(ageMs: number, limits: TransactionLimits): ErrorFields {
  return limitError(
    `transaction age limit of ${limits.maxAgeSec}s exceeded`,
    `Current transaction age ${Math.floor(ageMs / 1000)}s exceeds ${limits.maxAgeSec}s`,
  )
}

function ddlError(message: string): ErrorFields {
  return { severity: 'ERROR', code: '0A000', message }
}

/** The open transaction of one session, as DSQL's rules see it. */
export class SessionTransaction {
  /** When it began, on the emulator's clock, in epoch milliseconds. */
  readonly startedMs: number
  /** The cluster's catalog version when it began. */
  readonly startVersion: number
  ddlStatements = 0
  dmlStatements = 0
  rows = 0
  bytes = 0
  /** A statement lost a conflict: COMMIT fails with OC000. */
  lost = false
  /** A statement touched storage (a catalog change elsewhere then fails COMMIT with OC001). */
  touchedStorage = false
  /** The emulator's savepoint exists on the backend. */
  savepoint = false

  constructor(startedMs: number, startVersion: number) {
    this.startedMs = startedMs
    this.startVersion = startVersion
  }
}

/** Counts used by the DDL rules: DDL statements and DML statements so far. */
export interface DdlCounts {
  ddl: number
  dml: number
}

/**
 * DSQL's DDL rules for statements about to run in one transaction: one DDL at most, and never
 * DDL with DML (GRANT and REVOKE are DDL). Returns the index of the first offending statement
 * and its error, and moves `counts` past the statements before it. Pure.
 */
export function checkDdlRules(
  statements: readonly StatementInfo[],
  counts: DdlCounts,
): { index: number; error: ErrorFields } | undefined {
  for (const [index, statement] of statements.entries()) {
    if (statement.class === 'begin' || statement.class === 'commit' || statement.class === 'rollback') {
      counts.ddl = 0
      counts.dml = 0
    } else if (statement.class === 'ddl') {
      if (counts.ddl > 0)
        return { index, error: ddlError('multiple ddl statements not supported in a transaction') }
      if (counts.dml > 0)
        return { index, error: ddlError('ddl and dml are not supported in the same transaction') }
      counts.ddl++
    } else if (statement.class === 'write' || statement.class === 'lock') {
      if (counts.ddl > 0)
        return { index, error: ddlError('ddl and dml are not supported in the same transaction') }
      counts.dml++
    }
  }
  return undefined
}

/** Rows a command tag reports as inserted, updated, deleted, merged or copied in. */
export function mutatedRows(tag: string): number {
  const match = /^(?:INSERT \d+|UPDATE|DELETE|MERGE|COPY) (\d+)$/.exec(tag)
  return match === null ? 0 : Number(match[1])
}
