import type { ErrorFields } from '../wire/index.js'
import type { EmulatorProfile } from './dialect-profile.js'
import { dialectRefusal } from './dialect-rules.js'
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

/** What the emulator answers itself instead of the backend. */
export type SyntheticAnswer = { readonly column: string; readonly value: string }

export interface StatementInfo {
  readonly class: StatementClass
  /** The text the backend runs: the client's, or a rewrite (`ASYNC` removed, `version()`). */
  readonly text: string
  /** Whether the backend runs other text than the client sent. */
  readonly rewritten: boolean
  /** DSQL's refusal of this statement, if it refuses it. */
  readonly refusal: ErrorFields | undefined
  /** Whether the statement reads or writes tables (what a stale catalog fails with OC001). */
  readonly touchesStorage: boolean
  /** `BEGIN READ ONLY`. */
  readonly readOnly: boolean
  /** `CREATE INDEX ASYNC`: answer with a `job_id` row. */
  readonly asyncIndex: boolean
  /** A `SHOW` the emulator answers with DSQL's value. */
  readonly answer: SyntheticAnswer | undefined
  /** The parse tree, when PostgreSQL's parser accepts the text. */
  readonly node: SqlNode | undefined
}

/** What a DSQL cluster reports about itself (reference §2, "Environment"). */
export const DSQL_VERSION = 'PostgreSQL 16'
const SHOW_ANSWERS: Readonly<Record<string, string>> = {
  server_version: '16.15',
  server_version_num: '160015',
}

/** Settings DSQL refuses to change (`SET`, reference A.12); lock_timeout keeps OCC working. */
const REFUSED_SETTINGS = new Set([
  'statement_timeout',
  'default_transaction_isolation',
  'transaction_isolation',
  'lock_timeout',
])

const ASYNC_INDEX = /^((?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*CREATE\s+(?:UNIQUE\s+)?INDEX\s+)ASYNC\b/i

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
    case 'VariableShowStmt': {
      const name = String(fields.name).toLowerCase()
      const value = SHOW_ANSWERS[name]
      return { class: 'session', answer: value === undefined ? undefined : { column: name, value } }
    }
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

/** Replaces `version()` calls with DSQL's answer; `undefined` when the statement has none. */
function withDsqlVersion(node: SqlNode, parser: SqlParser): string | undefined {
  const copy = structuredClone(node) as SqlNode
  let found = false
  walk(copy, (type, fields) => {
    if (type !== 'ResTarget') return
    const call = fieldsOf(fields.val, 'FuncCall')
    const names = call === undefined ? [] : listOf(call.funcname).map(stringOf)
    const isVersion =
      call !== undefined &&
      listOf(call.args).length === 0 &&
      names[names.length - 1] === 'version' &&
      (names.length === 1 || names[0] === 'pg_catalog')
    if (!isVersion) return
    found = true
    fields.name ??= 'version'
    fields.val = { A_Const: { sval: { sval: DSQL_VERSION } } }
  })
  return found ? parser.deparse(copy) : undefined
}

function analyzeOne(
  statement: ParsedStatement,
  parser: SqlParser,
  profile: EmulatorProfile,
  isAsync: boolean,
) {
  const base = classify(statement.node)
  const cls = base.class ?? 'other'
  const versioned = cls === 'read' ? withDsqlVersion(statement.node, parser) : undefined
  const refusal = base.refusal ?? dialectRefusal(statement.node, profile, isAsync)
  return Object.freeze<StatementInfo>({
    class: cls,
    text: versioned ?? statement.text,
    rewritten: versioned !== undefined || isAsync,
    refusal,
    touchesStorage: cls !== 'begin' && cls !== 'commit' && cls !== 'rollback' && cls !== 'session',
    readOnly: base.readOnly ?? false,
    asyncIndex: isAsync && nodeType(statement.node) === 'IndexStmt',
    answer: base.answer,
    node: statement.node,
  })
}

/**
 * Reads a SQL string as DSQL would: its statements, each classified, refused or rewritten by
 * the rules of the feature profile. Text PostgreSQL cannot parse comes back as one `other`
 * statement for the backend to refuse with its own syntax error. Pure, given the parser.
 */
export function analyzeSql(
  sql: string,
  parser: SqlParser,
  profile: EmulatorProfile,
): readonly StatementInfo[] {
  const asyncMatch = ASYNC_INDEX.exec(sql)
  const text = asyncMatch === null ? sql : `${asyncMatch[1]}${sql.slice(asyncMatch[0].length)}`
  const statements = parser.parse(text)
  if (statements === undefined) {
    return [
      Object.freeze<StatementInfo>({
        class: 'other',
        text,
        rewritten: asyncMatch !== null,
        refusal: undefined,
        touchesStorage: true,
        readOnly: false,
        asyncIndex: false,
        answer: undefined,
        node: undefined,
      }),
    ]
  }
  const isAsync = asyncMatch !== null && statements.length === 1
  return statements.map((statement) => analyzeOne(statement, parser, profile, isAsync))
}
