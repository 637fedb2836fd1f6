import type { ErrorFields } from '../wire/index.js'
import type { EmulatorProfile } from './dialect-profile.js'
import type { SqlNode } from './sql-parser.js'
import {
  bodyOf,
  fieldsOf,
  integerOf,
  listOf,
  namesOf,
  nodeType,
  optionsOf,
  stringOf,
  walk,
} from './sql-tree.js'

function refused(message: string, code = '0A000'): ErrorFields {
  return { severity: 'ERROR', code, message }
}

/** Statements DSQL refuses outright, with the text it answers (reference §4.2). */
const REFUSED_STATEMENTS: Readonly<Record<string, string>> = {
  TruncateStmt: 'unsupported statement: Truncate',
  CreateExtensionStmt: 'unsupported statement: CreateExtension',
  CreateTrigStmt: 'CREATE TRIGGER not supported',
  CreateEventTrigStmt: 'CREATE TRIGGER not supported',
  CreatedbStmt: 'unsupported statement: Createdb',
  CreateTableAsStmt: 'unsupported statement: CreateTableAs',
  RefreshMatViewStmt: 'unsupported statement: RefreshMatView',
  CreateEnumStmt: 'CREATE TYPE not supported',
  CompositeTypeStmt: 'unsupported statement: CompositeType',
  CreateRangeStmt: 'unsupported statement: CreateRange',
  AlterEnumStmt: 'ALTER TYPE not supported',
  AlterTypeStmt: 'ALTER TYPE not supported',
  CreateTableSpaceStmt: 'unsupported statement: CreateTableSpace',
  CreateForeignTableStmt: 'unsupported statement: CreateForeignTable',
  ListenStmt: 'unsupported statement: Listen',
  NotifyStmt: 'unsupported statement: Notify',
  UnlistenStmt: 'unsupported statement: Unlisten',
  AlterSystemStmt: 'unsupported statement: AlterSystem',
  MergeStmt: 'unsupported statement type: MERGE',
  // Chosen: no source; a table lock would make other sessions wait, which DSQL never does.
  LockStmt: 'unsupported statement: Lock',
}

/** Column types DSQL cannot store (observed: money, xml, inet, ...). */
const UNSUPPORTED_TYPES = new Set([
  'money',
  'xml',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  'tsvector',
  'tsquery',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'pg_lsn',
])

const SERIAL_TYPES = new Set(['serial', 'bigserial', 'smallserial', 'serial2', 'serial4', 'serial8'])

/** PostgreSQL's internal type names as it prints them in messages. */
const TYPE_DISPLAY: Readonly<Record<string, string>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  varchar: 'character varying',
  bpchar: 'character',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
}

const CACHE_TEXT = 'please define CACHE greater than or equal to 65536 or equal to 1'

function typeName(typeNode: unknown): { name: string; array: boolean } {
  const fields = (typeNode ?? {}) as Record<string, unknown>
  const names = namesOf(fields.names)
  const last = names[names.length - 1] ?? ''
  return { name: TYPE_DISPLAY[last] ?? last, array: listOf(fields.arrayBounds).length > 0 }
}

/** `CACHE 1` or `CACHE >= 65536`, as DSQL requires of sequences and identity columns. */
function hasValidCache(options: unknown): boolean {
  const cache = integerOf(optionsOf(options).get('cache'))
  return cache !== undefined && (cache === 1 || cache >= 65_536)
}

function columnRefusal(column: Record<string, unknown>, profile: EmulatorProfile, altering: boolean) {
  const type = typeName(column.typeName)
  if (SERIAL_TYPES.has(type.name)) return refused(`type "${type.name}" does not exist`, '42704')
  if (type.array) return refused(`datatype ${type.name}[] not supported`)
  if (UNSUPPORTED_TYPES.has(type.name)) return refused(`datatype ${type.name} not supported`)
  if (profile === 'late-2025' && (type.name === 'jsonb' || type.name === 'json')) {
    return refused(`datatype ${type.name} not supported`)
  }
  const constraints = listOf(column.constraints)
  if (altering && constraints.length > 0)
    return refused('ALTER TABLE ADD COLUMN with constraint not supported')
  for (const item of constraints) {
    const constraint = fieldsOf(item, 'Constraint')
    if (constraint?.contype === 'CONSTR_FOREIGN' && profile === 'late-2025') {
      return refused('unsupported constraint: FOREIGN KEY')
    }
    if (constraint?.contype !== 'CONSTR_IDENTITY') continue
    if (profile === 'late-2025') return refused('unsupported constraint: IDENTITY')
    if (!hasValidCache(constraint.options)) {
      return refused(`identity column is not supported without an explicit cache size. ${CACHE_TEXT}`)
    }
    if (type.name !== 'bigint') {
      return refused(`datatype ${type.name} not supported, identity column type must be bigint`)
    }
  }
  return undefined
}

function createTableRefusal(fields: Record<string, unknown>, profile: EmulatorProfile) {
  const relation = (fields.relation ?? {}) as Record<string, unknown>
  if (relation.relpersistence === 't')
    return refused('TEMPORARY or TEMP table not supported for CREATE TABLE')
  if (relation.relpersistence === 'u') return refused('UNLOGGED table not supported for CREATE TABLE')
  // Chosen texts: DSQL lists these as unsupported without quoting its message.
  if (listOf(fields.inhRelations).length > 0) return refused('INHERITS not supported for CREATE TABLE')
  if (fields.partspec !== undefined) return refused('PARTITION BY not supported for CREATE TABLE')
  for (const element of listOf(fields.tableElts)) {
    const column = fieldsOf(element, 'ColumnDef')
    if (column !== undefined) {
      const refusal = columnRefusal(column, profile, false)
      if (refusal !== undefined) return refusal
    }
    const constraint = fieldsOf(element, 'Constraint')
    if (constraint?.contype === 'CONSTR_FOREIGN' && profile === 'late-2025') {
      return refused('unsupported constraint: FOREIGN KEY')
    }
  }
  return undefined
}

function alterTableRefusal(fields: Record<string, unknown>, profile: EmulatorProfile) {
  for (const item of listOf(fields.cmds)) {
    const command = fieldsOf(item, 'AlterTableCmd')
    if (command === undefined) continue
    switch (command.subtype) {
      case 'AT_AddColumn': {
        const column = fieldsOf(command.def, 'ColumnDef')
        const refusal = column === undefined ? undefined : columnRefusal(column, profile, true)
        if (refusal !== undefined) return refusal
        break
      }
      case 'AT_AlterColumnType':
        return refused('unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement')
      case 'AT_AddConstraint': {
        const constraint = fieldsOf(command.def, 'Constraint')
        const checked = constraint?.contype === 'CONSTR_FOREIGN' || constraint?.contype === 'CONSTR_CHECK'
        if (checked && (profile === 'late-2025' || constraint?.skip_validation !== true)) {
          return refused('unsupported ALTER TABLE ADD CONSTRAINT statement')
        }
        break
      }
      case 'AT_ValidateConstraint':
        return refused('unsupported ALTER TABLE VALIDATE CONSTRAINT statement')
      case 'AT_DropColumn':
        if (profile === 'late-2025') return refused('unsupported ALTER TABLE DROP COLUMN statement')
        break
    }
  }
  return undefined
}

function indexRefusal(fields: Record<string, unknown>, isAsync: boolean) {
  if (fields.concurrent === true) return refused('CONCURRENTLY not supported for CREATE INDEX')
  if (!isAsync) return refused('unsupported mode. please use CREATE INDEX ASYNC.')
  for (const param of listOf(fields.indexParams)) {
    const element = fieldsOf(param, 'IndexElem')
    if (element !== undefined && element.ordering !== 'SORTBY_DEFAULT') {
      return refused('specifying sort order not supported for index keys')
    }
  }
  return undefined
}

function functionRefusal(fields: Record<string, unknown>) {
  if (fields.is_procedure === true) return refused('PROCEDURE is not supported')
  const language = stringOf(optionsOf(fields.options).get('language'))?.toLowerCase() ?? 'sql'
  if (language !== 'sql') return refused(`CREATE FUNCTION with language ${language} not supported`)
  return undefined
}

/** Clauses refused wherever they appear in a query: TABLESAMPLE and some locking clauses. */
function queryRefusal(node: SqlNode, profile: EmulatorProfile): ErrorFields | undefined {
  let refusal: ErrorFields | undefined
  walk(node, (type, fields) => {
    if (refusal !== undefined) return false
    if (type === 'RangeTableSample') refusal = refused('TABLESAMPLE clause not supported')
    else if (type === 'LockingClause') {
      const strength = fields.strength
      if (strength === 'LCS_FORUPDATE') return
      if (strength === 'LCS_FORKEYSHARE' && profile === '2026') return
      refusal = refused(
        profile === '2026'
          ? 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'
          : 'locking clauses other than FOR UPDATE are not supported',
      )
    } else if (type === 'SelectStmt' && fields.intoClause !== undefined) {
      refusal = refused('unsupported statement: CreateTableAs')
    }
  })
  return refusal
}

/**
 * What DSQL answers a statement it does not support (`0A000` mostly, `42704` for `serial`), by
 * the rules of the feature profile; `undefined` for a statement it runs. `isAsync`: the
 * statement was `CREATE INDEX ASYNC`. Pure.
 */
export function dialectRefusal(
  node: SqlNode,
  profile: EmulatorProfile,
  isAsync = false,
): ErrorFields | undefined {
  const type = nodeType(node) ?? ''
  const fixed = REFUSED_STATEMENTS[type]
  if (fixed !== undefined) return refused(fixed)
  const fields = bodyOf(node)
  switch (type) {
    case 'CreateStmt':
      return createTableRefusal(fields, profile)
    case 'AlterTableStmt':
      return alterTableRefusal(fields, profile)
    case 'IndexStmt':
      return indexRefusal(fields, isAsync)
    case 'CreateFunctionStmt':
      return functionRefusal(fields)
    case 'VacuumStmt':
      return fields.is_vacuumcmd === true ? refused('unsupported VACUUM statement') : undefined
    case 'DefineStmt':
      return fields.kind === 'OBJECT_TYPE' ? refused('CREATE TYPE not supported') : undefined
    case 'CreateSeqStmt':
      if (profile === 'late-2025') return refused('unsupported statement: CreateSeq')
      if (!hasValidCache(fields.options)) {
        return refused(`CREATE SEQUENCE is not supported without an explicit cache size. ${CACHE_TEXT}`)
      }
      return undefined
    case 'AlterSeqStmt':
      if (profile === 'late-2025') return refused('unsupported statement: AlterSeq')
      return undefined
    default:
      return queryRefusal(node, profile)
  }
}
