import type { ErrorFields } from '../wire/index.js'
import { alterTableRefusal } from './alter-table-rules.js'
import { CACHE_TEXT, columnRefusal, hasValidCache, keyColumnsRefusal, refused } from './column-rules.js'
import type { EmulatorProfile } from './dialect-profile.js'
import { indexRefusal } from './index-rules.js'
import { objectRefusal } from './object-rules.js'
import { expressionRefusal } from './query-rules.js'
import type { SqlNode } from './sql-parser.js'
import { bodyOf, fieldsOf, listOf, nodeType, optionsOf, stringOf } from './sql-tree.js'

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

function createTableRefusal(
  fields: Record<string, unknown>,
  profile: EmulatorProfile,
): ErrorFields | undefined {
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
    if (constraint === undefined) continue
    if (constraint.contype === 'CONSTR_FOREIGN' && profile === 'late-2025') {
      return refused('unsupported constraint: FOREIGN KEY')
    }
    // Chosen text: DSQL lists exclusion constraints as unsupported without quoting its message.
    if (constraint.contype === 'CONSTR_EXCLUSION') return refused('unsupported constraint: EXCLUDE')
    const keys = keyColumnsRefusal(listOf(constraint.keys).length)
    if (keys !== undefined) return keys
  }
  return undefined
}

function functionRefusal(fields: Record<string, unknown>): ErrorFields | undefined {
  if (fields.is_procedure === true) return refused('PROCEDURE is not supported')
  const language = stringOf(optionsOf(fields.options).get('language'))?.toLowerCase() ?? 'sql'
  if (language !== 'sql') return refused(`CREATE FUNCTION with language ${language} not supported`)
  return undefined
}

function statementRefusal(
  type: string,
  fields: Record<string, unknown>,
  profile: EmulatorProfile,
  isAsync: boolean,
  text: string,
): ErrorFields | undefined {
  switch (type) {
    case 'CreateStmt':
      return createTableRefusal(fields, profile)
    case 'AlterTableStmt':
      return alterTableRefusal(fields, profile, isAsync, text)
    case 'IndexStmt':
      return indexRefusal(fields, isAsync, profile)
    case 'CreateFunctionStmt':
      return functionRefusal(fields)
    case 'VacuumStmt':
      return fields.is_vacuumcmd === true ? refused('unsupported VACUUM statement') : undefined
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
      return objectRefusal(type, fields, profile)
  }
}

/**
 * What DSQL answers a statement it does not support (`0A000` mostly, `42704` for `serial` and
 * text search, `54011` for too many key columns), by the rules of the feature profile;
 * `undefined` for a statement it runs. `isAsync`: written with DSQL's `ASYNC` (`CREATE INDEX
 * ASYNC`, `ALTER TABLE ASYNC`); `text`: the statement's own text. Pure.
 */
export function dialectRefusal(
  node: SqlNode,
  profile: EmulatorProfile,
  isAsync = false,
  text = '',
): ErrorFields | undefined {
  const type = nodeType(node) ?? ''
  const fixed = REFUSED_STATEMENTS[type]
  if (fixed !== undefined) return refused(fixed)
  return statementRefusal(type, bodyOf(node), profile, isAsync, text) ?? expressionRefusal(node, profile)
}
