import type { ErrorFields } from '../wire/index.js'
import { type AsyncForm, parseAsyncSql } from './async-ddl.js'
import { type AsyncJob, asyncJobOf } from './async-job.js'
import type { EmulatorProfile } from './dialect-profile.js'
import { dialectRefusal } from './dialect-rules.js'
import { showValue, withDsqlSettings } from './server-version.js'
import type { ParsedStatement, SqlNode, SqlParser } from './sql-parser.js'
import { bodyOf, fieldsOf, integerOf, listOf, nodeType, optionsOf, stringOf, walk } from './sql-tree.js'

/**
 * What a statement is to DSQL's transaction rules:
 * - `begin`, `commit`, `rollback`: transaction control;
 * - `read`: a query that takes no row lock; `lock`: a `SELECT ... FOR UPDATE / FOR KEY SHARE`;
 * - `write`: DML (and anything that may write: `DO`, `EXPLAIN ANALYZE` of DML, `COPY FROM`);
 * - `ddl`: a catalog change (GRANT and REVOKE included);
 * - `session`: SET, SHOW, RESET, DISCARD, DEALLOCATE: no storage touched;
 * - `other`: the rest (`CALL`, `ANALYZE`, text PostgreSQL cannot parse).
 */
export const STATEMENT_CLASSES = [
  'begin',
  'commit',
  'rollback',
  'read',
  'lock',
  'write',
  'ddl',
  'session',
  'other',
] as const
export type StatementClass = (typeof STATEMENT_CLASSES)[number]

export interface StatementInfo {
  readonly class: StatementClass
  /** The text the backend runs: the client's, or a rewrite (`ASYNC` blanked, `version()`). */
  readonly text: string
  /** Whether the backend runs other text than the client sent. */
  readonly rewritten: boolean
  /** DSQL's refusal of this statement, if it refuses it. */
  readonly refusal: ErrorFields | undefined
  /** Whether the statement reads or writes tables (what a stale catalog fails with OC001). */
  readonly touchesStorage: boolean
  /** `BEGIN READ ONLY`. */
  readonly readOnly: boolean
  /**
   * `CREATE INDEX ASYNC` or `ALTER TABLE ASYNC ... VALIDATE CONSTRAINT`: the job it starts (the
   * backend runs `asyncJobSql`, and the reply carries a `job_id` row).
   */
  readonly job: AsyncJob | undefined
  /** A `SHOW` whose value DSQL reports differently from the backend: DSQL's value. */
  readonly showValue: string | undefined
  /** `CALL sys.wait_for_job(...)`, which DSQL runs only outside a transaction block. */
  readonly waitsForJob: boolean
  /** The parse tree, when PostgreSQL's parser accepts the text. */
  readonly node: SqlNode | undefined
}

/** Settings DSQL refuses to change (`SET`, reference A.12); lock_timeout keeps OCC working. */
const REFUSED_SETTINGS = new Set([
  'statement_timeout',
  'default_transaction_isolation',
  'transaction_isolation',
  'lock_timeout',
])

function settingRefusal(name: string): ErrorFields {
  return {
    severity: 'ERROR',
    code: '0A000',
    message: `setting configuration parameter "${name}" not supported`,
  }
}

/** `Unsupported isolation level: X` for any level but REPEATABLE READ, from BEGIN or SET options. */
function isolationRefusal(options: unknown): ErrorFields | undefined {
  const level = stringOf(optionsOf(options).get('transaction_isolation'))
  if (level === undefined || level === 'repeatable read') return undefined
  return { severity: 'ERROR', code: '0A000', message: `Unsupported isolation level: ${level.toUpperCase()}` }
}

function transactionClass(fields: Record<string, unknown>): Partial<StatementInfo> {
  switch (fields.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return {
        class: 'begin',
        refusal: isolationRefusal(fields.options),
        readOnly: integerOf(optionsOf(fields.options).get('transaction_read_only')) === 1,
      }
    case 'TRANS_STMT_COMMIT':
      return { class: 'commit' }
    case 'TRANS_STMT_ROLLBACK':
      return { class: 'rollback' }
  }
  const verb: Readonly<Record<string, string>> = {
    TRANS_STMT_SAVEPOINT: 'SAVEPOINT',
    TRANS_STMT_RELEASE: 'RELEASE',
    TRANS_STMT_ROLLBACK_TO: 'ROLLBACK TO',
    TRANS_STMT_PREPARE: 'PREPARE TRANSACTION',
    TRANS_STMT_COMMIT_PREPARED: 'COMMIT PREPARED',
    TRANS_STMT_ROLLBACK_PREPARED: 'ROLLBACK PREPARED',
  }
  const name = verb[fields.kind as string] ?? String(fields.kind)
  return {
    class: 'other',
    refusal: { severity: 'ERROR', code: '0A000', message: `unsupported transaction statement: ${name}` },
  }
}

function setClass(fields: Record<string, unknown>): Partial<StatementInfo> {
  const name = String(fields.name ?? '').toLowerCase()
  if (fields.kind === 'VAR_SET_MULTI' && (name === 'transaction' || name === 'session characteristics')) {
    return { class: 'session', refusal: isolationRefusal(fields.args) ?? settingRefusal('TRANSACTION') }
  }
  return { class: 'session', refusal: REFUSED_SETTINGS.has(name) ? settingRefusal(name) : undefined }
}

/** A query's class: `write` with a data-modifying CTE, `lock` with a locking clause, else `read`. */
function queryClass(node: SqlNode): StatementClass {
  let result: StatementClass = 'read'
  walk(node, (type) => {
    if (type === 'InsertStmt' || type === 'UpdateStmt' || type === 'DeleteStmt' || type === 'MergeStmt') {
      result = 'write'
      return false
    }
    if (type === 'LockingClause' && result === 'read') result = 'lock'
  })
  return result
}

function classify(node: SqlNode): Partial<StatementInfo> {
  const type = nodeType(node) ?? ''
  const fields = bodyOf(node)
  switch (type) {
    case 'TransactionStmt':
      return transactionClass(fields)
    case 'VariableSetStmt':
      return setClass(fields)
    case 'VariableShowStmt':
      return { class: 'session' }
    case 'DiscardStmt':
    case 'DeallocateStmt':
    case 'PrepareStmt':
      return { class: 'session' }
    case 'SelectStmt':
      return { class: queryClass(node) }
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
    case 'DoStmt':
    case 'ExecuteStmt':
      return { class: 'write' }
    case 'ExplainStmt': {
      const analyze = optionsOf(fields.options).has('analyze')
      return { class: analyze ? queryClass(fields.query as SqlNode) : 'read' }
    }
    case 'CopyStmt':
      return { class: fields.is_from === true ? 'write' : 'read' }
    case 'DeclareCursorStmt':
      return { class: queryClass(fields.query as SqlNode) }
    case 'FetchStmt':
    case 'ClosePortalStmt':
      return { class: 'read' }
    case 'CallStmt':
    case 'VacuumStmt':
    case 'CheckPointStmt':
    case 'LoadStmt':
      return { class: 'other' }
    default:
      return { class: type.endsWith('Stmt') ? 'ddl' : 'other' }
  }
}

/** `CALL sys.wait_for_job(...)` (or `wait_for_job` found on the search path). */
function isWaitForJob(node: SqlNode): boolean {
  const call = fieldsOf(node, 'CallStmt')?.funccall as { funcname?: unknown } | undefined
  const names = listOf(call?.funcname).map(stringOf)
  return names[names.length - 1] === 'wait_for_job' && (names.length === 1 || names[0] === 'sys')
}

function analyzeOne(
  statement: ParsedStatement,
  parser: SqlParser,
  profile: EmulatorProfile,
  form: AsyncForm | undefined,
) {
  const base = classify(statement.node)
  const cls = base.class ?? 'other'
  const versioned = cls === 'read' ? withDsqlSettings(statement.node, parser) : undefined
  const refusal = base.refusal ?? dialectRefusal(statement.node, profile, form !== undefined, statement.text)
  return Object.freeze<StatementInfo>({
    class: cls,
    text: versioned ?? statement.text,
    rewritten: versioned !== undefined || form !== undefined,
    refusal,
    touchesStorage: cls !== 'begin' && cls !== 'commit' && cls !== 'rollback' && cls !== 'session',
    readOnly: base.readOnly ?? false,
    job: asyncJobOf(statement.node, form),
    showValue: showValue(statement.node),
    waitsForJob: isWaitForJob(statement.node),
    node: statement.node,
  })
}

/**
 * Reads a SQL string as DSQL would: its statements, each classified, refused or rewritten by
 * the rules of the feature profile. DSQL's `ASYNC` forms are read wherever they start a
 * statement. Text PostgreSQL cannot parse comes back as one `other` statement for the backend
 * to refuse with its own syntax error. Pure, given the parser.
 */
export function analyzeSql(
  sql: string,
  parser: SqlParser,
  profile: EmulatorProfile,
): readonly StatementInfo[] {
  const { text, statements, forms } = parseAsyncSql(sql, parser, profile)
  if (statements === undefined) {
    return [
      Object.freeze<StatementInfo>({
        class: 'other',
        text,
        rewritten: text !== sql,
        refusal: undefined,
        touchesStorage: true,
        readOnly: false,
        job: undefined,
        showValue: undefined,
        waitsForJob: false,
        node: undefined,
      }),
    ]
  }
  return statements.map((statement, i) => analyzeOne(statement, parser, profile, forms[i]))
}
