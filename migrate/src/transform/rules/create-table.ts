import {
  cloneNode,
  displayRelation,
  fieldsIf,
  listOf,
  type ParsedStatement,
  relationName,
  type SqlFields,
  type SqlNode,
} from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'
import { rewriteColumn } from './column-definition.js'
import { columnSubject, reportUnsupportedType } from './column-types.js'

const MAX_COLUMNS = 255
const MAX_KEY_COLUMNS = 8

/**
 * CREATE TABLE in DSQL's terms: no temporary tables, inheritance or partitions (errors); no
 * UNLOGGED or storage options (removed); columns as `rewriteColumn` makes them. Inline UNIQUE,
 * PRIMARY KEY, CHECK and REFERENCES stay: DSQL takes them all in CREATE TABLE.
 */
export function rewriteCreateTable(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] {
  const copy = cloneNode(node)
  const fields = copy.CreateStmt as SqlFields
  const relation = fields.relation as SqlFields
  const table = displayRelation(relationName(relation))
  if (relation.relpersistence === 't') {
    context.report({
      rule: 'temporary-table',
      message: `${table} is a temporary table, which DSQL does not have.`,
      hint: 'Use a regular table with a column for the session or request it belongs to, and delete its rows when done.',
    })
  }
  if (
    listOf(fields.inhRelations).length > 0 ||
    fields.partspec !== undefined ||
    fields.partbound !== undefined
  ) {
    context.report({
      rule: 'table-inheritance',
      message: `${table} uses INHERITS or partitions, which DSQL does not have.`,
      hint: 'Make one plain table (DSQL distributes rows itself), with a column for what told the children or partitions apart.',
    })
  }
  const columns = listOf(fields.tableElts).flatMap((element) => {
    const column = fieldsIf(element, 'ColumnDef')
    return column === undefined ? [] : [column]
  })
  if (columns.length > MAX_COLUMNS) {
    context.report({
      rule: 'too-many-columns',
      message: `${table} has ${columns.length} columns; DSQL allows at most ${MAX_COLUMNS}.`,
      hint: 'Split the table in two joined one-to-one by the primary key, or keep rarely read fields in a jsonb column.',
    })
  }
  for (const element of listOf(fields.tableElts)) {
    const constraint = fieldsIf(element, 'Constraint')
    const keys = listOf(constraint?.keys).length
    if (keys <= MAX_KEY_COLUMNS) continue
    context.report({
      rule: 'index-too-many-keys',
      message: `A ${constraint?.contype === 'CONSTR_PRIMARY' ? 'primary key' : 'unique constraint'} of ${table} has ${keys} columns; DSQL allows at most ${MAX_KEY_COLUMNS} in a key.`,
      hint: 'Key on fewer columns, e.g. a generated id, with the rest in a unique index of at most 8 columns.',
      at: constraint?.location,
    })
  }
  let changed = statement.node !== node
  for (const column of columns) reportUnsupportedType(column.typeName, columnSubject(column), context)
  if (relation.relpersistence === 'u') {
    context.report({
      rule: 'unlogged-table',
      message: `${table} is UNLOGGED; DSQL tables are always durable, so UNLOGGED is removed.`,
      hint: 'Writes cost what they cost on any DSQL table; data written is never lost in a crash.',
      at: relation.location,
    })
    relation.relpersistence = 'p'
    changed = true
  }
  if (
    listOf(fields.options).length > 0 ||
    fields.tablespacename !== undefined ||
    (fields.oncommit !== undefined && fields.oncommit !== 'ONCOMMIT_NOOP')
  ) {
    context.report({
      rule: 'table-storage-options',
      message: `${table} has storage options (WITH, TABLESPACE or ON COMMIT); DSQL manages storage itself, so they are removed.`,
    })
    delete fields.options
    delete fields.tablespacename
    fields.oncommit = 'ONCOMMIT_NOOP'
    changed = true
  }
  for (const column of columns) if (rewriteColumn(column, table, context)) changed = true
  if (!changed) return [{ node, async: false, text: statement.text, verbatim: true }]
  return [{ node: copy, async: false }]
}
