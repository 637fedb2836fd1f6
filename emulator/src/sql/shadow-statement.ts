import type { SqlNode, SqlParser } from './sql-parser.js'
import { fieldsOf, listOf, nodeType, stringOf } from './sql-tree.js'

/** A column of the table a statement writes, as the catalog describes it. */
export interface TableColumn {
  readonly name: string
  /** `format_type(atttypid, atttypmod)`, e.g. `numeric(10,2)`. */
  readonly type: string
  /** The default expression (`pg_get_expr`), or a `nextval(...)` for an identity column. */
  readonly defaultExpr: string | null
}

/**
 * A lock-free, read-only query that answers a write the way it would have answered, run on the
 * same snapshot: its row count, and its RETURNING rows with the new values.
 */
export interface ShadowPlan {
  /** SQL with the original's parameters (`$1`, ...). */
  readonly sql: string
  /** The command tag's verb: `UPDATE`, `DELETE`, `INSERT 0`, `SELECT`. */
  readonly verb: string
  /** Whether `sql` returns the statement's rows; otherwise one row with the count. */
  readonly returnsRows: boolean
}

/** The table a write targets, as a qualified name for `::regclass`, when its plan needs columns. */
export function shadowTable(node: SqlNode): string | undefined {
  const type = nodeType(node)
  if (type !== 'UpdateStmt' && type !== 'InsertStmt') return undefined
  const fields = fieldsOf(node, type)!
  if (listOf(fields.returningList).length === 0) return undefined
  const relation = fields.relation as Record<string, unknown>
  const name = quoteIdent(relation.relname as string)
  return relation.schemaname === undefined ? name : `${quoteIdent(relation.schemaname as string)}.${name}`
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** Maps every ColumnRef under `value` through `replace` (returning undefined keeps it). */
function mapColumnRefs(value: unknown, replace: (fields: readonly unknown[]) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapColumnRefs(item, replace))
  if (value === null || typeof value !== 'object') return value
  const ref = fieldsOf(value, 'ColumnRef')
  if (ref !== undefined) return replace(listOf(ref.fields)) ?? value
  const out: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) out[key] = mapColumnRefs(child, replace)
  return out
}

class ShadowBuilder {
  readonly #parser: SqlParser
  constructor(parser: SqlParser) {
    this.#parser = parser
  }

  /** The parse tree of an expression written as SQL. */
  expr(sql: string): unknown {
    const statement = this.#parser.parse(`SELECT ${sql}`)?.[0]
    const select = fieldsOf(statement?.node, 'SelectStmt')
    return fieldsOf(listOf(select?.targetList)[0], 'ResTarget')?.val
  }

  deparse(node: unknown): string {
    return this.#parser.deparse(node as SqlNode)
  }

  /** `SELECT <targets> FROM <from> [WHERE <where>]`, deparsed. */
  select(targets: readonly unknown[], from: readonly unknown[], where: unknown): string {
    const stmt: Record<string, unknown> = {
      targetList: targets,
      limitOption: 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    }
    if (from.length > 0) stmt.fromClause = from
    if (where !== undefined) stmt.whereClause = where
    return this.deparse({ SelectStmt: stmt })
  }

  target(val: unknown, name?: string): unknown {
    return { ResTarget: name === undefined ? { val } : { name, val } }
  }
}

/** A RangeVar's name in queries: its alias, else its relation name. */
function refName(relation: Record<string, unknown>): string {
  const alias = relation.alias as { aliasname?: string } | undefined
  return alias?.aliasname ?? (relation.relname as string)
}

/**
 * RETURNING targets over the target table, each column replaced by `newValue(column)` (the new
 * value), `*` expanded to the table's columns and, for other FROM items, to theirs.
 */
function returningTargets(
  builder: ShadowBuilder,
  returning: readonly unknown[],
  relationName: string,
  columns: readonly TableColumn[],
  newValue: (column: TableColumn) => unknown,
  others: readonly string[],
): unknown[] {
  const byName = new Map(columns.map((c) => [c.name, c]))
  const targets: unknown[] = []
  for (const item of returning) {
    const target = fieldsOf(item, 'ResTarget') ?? {}
    const ref = fieldsOf(target.val, 'ColumnRef')
    const refFields = listOf(ref?.fields)
    const star = refFields.length > 0 && nodeType(refFields[refFields.length - 1]) === 'A_Star'
    if (star) {
      const qualifier = refFields.length > 1 ? stringOf(refFields[0]) : undefined
      if (qualifier === undefined || qualifier === relationName) {
        for (const column of columns) targets.push(builder.target(newValue(column), column.name))
      }
      if (qualifier === undefined) {
        for (const other of others) targets.push(builder.target(builder.expr(`${quoteIdent(other)}.*`)))
      } else if (qualifier !== relationName) targets.push(item)
      continue
    }
    const val = mapColumnRefs(target.val, (fields) => {
      const names = fields.map(stringOf)
      if (names.some((n) => n === undefined)) return undefined
      if (names.length === 2 && names[0] !== relationName) return undefined
      if (names.length > 2) return undefined
      const column = byName.get(names[names.length - 1]!)
      return column === undefined ? undefined : newValue(column)
    })
    // A bare column keeps its name as the output column's name.
    const name =
      (target.name as string | undefined) ?? (ref !== undefined ? stringOf(refFields.at(-1)) : undefined)
    targets.push(builder.target(val, name))
  }
  return targets
}

function updatePlan(
  builder: ShadowBuilder,
  fields: Record<string, unknown>,
  columns: readonly TableColumn[],
) {
  const relation = fields.relation as Record<string, unknown>
  if (fields.whereClause !== undefined && nodeType(fields.whereClause) === 'CurrentOfExpr') return undefined
  const name = refName(relation)
  const from = [{ RangeVar: relation }, ...listOf(fields.fromClause)]
  const returning = listOf(fields.returningList)
  if (returning.length === 0) {
    const count =
      listOf(fields.fromClause).length > 0 ? `count(DISTINCT ${quoteIdent(name)}.ctid)` : 'count(*)'
    return builder.select([builder.target(builder.expr(count))], from, fields.whereClause)
  }
  const sets = new Map<string, unknown>()
  for (const item of listOf(fields.targetList)) {
    const set = fieldsOf(item, 'ResTarget') ?? {}
    if (listOf(set.indirection).length > 0) continue
    const multi = fieldsOf(set.val, 'MultiAssignRef')
    if (multi !== undefined) {
      const row = fieldsOf(multi.source, 'RowExpr')
      if (row !== undefined) sets.set(set.name as string, listOf(row.args)[(multi.colno as number) - 1])
      continue
    }
    if (nodeType(set.val) !== 'SetToDefault') sets.set(set.name as string, set.val)
  }
  const newValue = (column: TableColumn) => {
    const value = sets.get(column.name)
    if (value === undefined) return builder.expr(`${quoteIdent(name)}.${quoteIdent(column.name)}`)
    return builder.expr(`(${builder.deparse(value)})::${column.type}`)
  }
  const others = listOf(fields.fromClause).flatMap((item) => {
    const other = fieldsOf(item, 'RangeVar')
    return other === undefined ? [] : [refName(other)]
  })
  const targets = returningTargets(builder, returning, name, columns, newValue, others)
  return builder.select(targets, from, fields.whereClause)
}

function deletePlan(builder: ShadowBuilder, fields: Record<string, unknown>) {
  const relation = fields.relation as Record<string, unknown>
  if (fields.whereClause !== undefined && nodeType(fields.whereClause) === 'CurrentOfExpr') return undefined
  const from = [{ RangeVar: relation }, ...listOf(fields.usingClause)]
  const returning = listOf(fields.returningList)
  if (returning.length > 0) return builder.select(returning, from, fields.whereClause)
  const count =
    listOf(fields.usingClause).length > 0
      ? `count(DISTINCT ${quoteIdent(refName(relation))}.ctid)`
      : 'count(*)'
  return builder.select([builder.target(builder.expr(count))], from, fields.whereClause)
}

function insertPlan(
  builder: ShadowBuilder,
  fields: Record<string, unknown>,
  columns: readonly TableColumn[],
) {
  const source = fieldsOf(fields.selectStmt, 'SelectStmt')
  const returning = listOf(fields.returningList)
  if (source === undefined) {
    // DEFAULT VALUES: one row.
    if (returning.length > 0) return undefined
    return 'SELECT 1 AS count'
  }
  const sourceSql = builder.deparse(fields.selectStmt)
  if (returning.length === 0) return `SELECT count(*) FROM (${sourceSql}) AS pg_dsql_source`
  // RETURNING: the source rows, each column the value it would be given or its default.
  const values = listOf(source.valuesLists)
  if (values.length === 0 || JSON.stringify(values).includes('"SetToDefault"')) return undefined
  const listed = listOf(fields.cols).map((col) => fieldsOf(col, 'ResTarget')?.name as string)
  const names = listed.length > 0 ? listed : columns.slice(0, listOf(values[0]).length).map((c) => c.name)
  const newValue = (column: TableColumn) => {
    const index = names.indexOf(column.name)
    if (index >= 0) return builder.expr(`pg_dsql_source.${quoteIdent(`c${index + 1}`)}::${column.type}`)
    return builder.expr(`(${column.defaultExpr ?? 'NULL'})::${column.type}`)
  }
  const relation = fields.relation as Record<string, unknown>
  const targets = returningTargets(builder, returning, refName(relation), columns, newValue, [])
  const aliases = names.map((_, i) => quoteIdent(`c${i + 1}`)).join(', ')
  const select = builder.select(targets, [], undefined)
  return `${select} FROM (${sourceSql}) AS pg_dsql_source(${aliases})`
}

/**
 * The read-only equivalent of a write (or locking read) whose statement lost a conflict:
 * evaluated on the same snapshot it gives the row count and RETURNING rows the statement had.
 * `columns` describes the target table when `shadowTable(node)` names one. `undefined` when no
 * equivalent is known (the caller fails the statement instead). Pure, given the parser.
 */
export function shadowPlan(
  node: SqlNode,
  parser: SqlParser,
  columns: readonly TableColumn[] = [],
): ShadowPlan | undefined {
  const builder = new ShadowBuilder(parser)
  const type = nodeType(node)
  const fields = type === undefined ? {} : fieldsOf(node, type)!
  if (fields.withClause !== undefined && type !== 'SelectStmt') return undefined
  const returnsRows = listOf(fields.returningList).length > 0
  switch (type) {
    case 'UpdateStmt': {
      const sql = updatePlan(builder, fields, columns)
      return sql === undefined ? undefined : { sql, verb: 'UPDATE', returnsRows }
    }
    case 'DeleteStmt': {
      const sql = deletePlan(builder, fields)
      return sql === undefined ? undefined : { sql, verb: 'DELETE', returnsRows }
    }
    case 'InsertStmt': {
      const sql = insertPlan(builder, fields, columns)
      return sql === undefined ? undefined : { sql, verb: 'INSERT 0', returnsRows }
    }
    case 'SelectStmt': {
      const copy = { ...fields }
      delete copy.lockingClause
      if (JSON.stringify(copy).includes('"LockingClause"')) return undefined
      return { sql: builder.deparse({ SelectStmt: copy }), verb: 'SELECT', returnsRows: true }
    }
    default:
      return undefined
  }
}

/** The catalog query for `shadowPlan`'s `columns`, for the table `shadowTable` named. */
export function tableColumnsSql(table: string): string {
  return `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
    CASE WHEN a.attidentity <> '' THEN
      'nextval(' || quote_literal(pg_catalog.pg_get_serial_sequence(${literal(table)}, a.attname)) || ')'
    ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid) END
  FROM pg_catalog.pg_attribute a
  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attrelid = ${literal(table)}::regclass AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum`
}
