import {
  cloneNode,
  displayName,
  displayRelation,
  fieldsIf,
  listOf,
  namesOf,
  nodeType,
  type ParsedStatement,
  relationKey,
  relationName,
  type SqlFields,
  type SqlNode,
} from '../sql/index.js'
import type { Finding } from './rewrite-context.js'

/** A statement to rewrite: the one parsed, or its CREATE TABLE with later ALTERs merged in. */
export interface StatementUnit {
  readonly statement: ParsedStatement
  readonly node: SqlNode
  /**
   * The table's key (`schema.name`) when ALTERs were merged into this CREATE TABLE, or when this
   * is what is left of an ALTER merged in part.
   */
  readonly mergedInto?: string
}

/** A table made in this migration, and what it has so far. */
interface NewTable {
  readonly key: string
  readonly position: number
  readonly node: SqlNode
  readonly columns: Set<string>
  /** Column lists of its primary key and unique constraints, each sorted and joined by a comma. */
  readonly keys: Set<string>
  hasPrimaryKey: boolean
  /** Still empty and untouched since CREATE TABLE, so ALTERs can merge into it. */
  open: boolean
  merged: boolean
}

/**
 * ORMs (Knex, MikroORM, Kysely, drizzle-kit, TypeORM, Prisma) create a table and then add its
 * unique constraints, foreign keys and sometimes columns with ALTER TABLE. On a table made in the
 * same migration and not touched in between, those ALTERs are merged into its CREATE TABLE: the
 * table is empty, so nothing changes in meaning, and DSQL takes them all there, with no separate
 * DDL transaction, async index or validation job. A foreign key is merged only when the table it
 * references already has the referenced key where the CREATE TABLE runs.
 */
export function foldIntoCreateTable(
  statements: readonly ParsedStatement[],
  report: (statement: ParsedStatement, finding: Finding) => void,
  unmerged: ReadonlySet<string> = new Set(),
): StatementUnit[] {
  const tables = new Map<string, NewTable>()
  // Every CREATE TABLE made, by position: a later CREATE of the same name replaces it in `tables`.
  const made = new Map<number, NewTable>()
  // Where each table was last read or changed, to judge foreign keys to tables made earlier.
  const touched = new Map<string, number>()
  // ALTERs merged whole (absent from the result) or in part (what is left of them).
  const rest = new Map<number, StatementUnit | undefined>()
  statements.forEach((statement, position) => {
    const type = nodeType(statement.node)
    const fields = statement.node[type] as SqlFields
    if (type === 'CreateStmt') {
      const key = relationKey(relationName(fields.relation as SqlFields))
      const table = unmerged.has(key) ? undefined : newTable(fields, position, statement.node, key)
      if (table !== undefined) {
        tables.set(key, table)
        made.set(position, table)
      } else tables.delete(key)
      return
    }
    if (type === 'AlterTableStmt' && statement.async === undefined && fields.objtype === 'OBJECT_TABLE') {
      const relation = relationName(fields.relation as SqlFields)
      const target = tables.get(relationKey(relation))
      const commands = listOf(fields.cmds)
      const merged = target?.open === true ? merge(target, commands, { tables, touched }) : 0
      if (target !== undefined && merged > 0) {
        report(statement, {
          rule: 'fold-into-create-table',
          message: `Merged into CREATE TABLE ${displayRelation(relation)} (line ${statements[target.position]?.location.line}): the table is new and empty, so ${describe(commands.slice(0, merged))} holds from the start.`,
        })
        const left = commands.slice(merged)
        rest.set(
          position,
          left.length === 0
            ? undefined
            : { statement, node: { AlterTableStmt: { ...fields, cmds: left } }, mergedInto: target.key },
        )
        if (left.length === 0) return
      }
    }
    // VACUUM and ANALYZE neither put rows in a table nor change it (and transform drops VACUUM):
    // a table made before them still takes the ALTERs after them.
    if (type === 'VacuumStmt') return
    for (const key of touchedTables(statement.node, true)) touched.set(key, position)
    for (const key of touchedTables(statement.node, false)) {
      const table = tables.get(key)
      if (table !== undefined) table.open = false
    }
  })
  return statements.flatMap((statement, position) => {
    if (rest.has(position)) {
      const left = rest.get(position)
      return left === undefined ? [] : [left]
    }
    const table = made.get(position)
    return [
      table?.merged === true
        ? { statement, node: table.node, mergedInto: table.key }
        : { statement, node: statement.node },
    ]
  })
}

function newTable(fields: SqlFields, position: number, node: SqlNode, key: string): NewTable | undefined {
  const relation = fields.relation as SqlFields
  // IF NOT EXISTS: the table may be an old one, with rows.
  if (fields.if_not_exists === true || relation.relpersistence === 't') return undefined
  if (
    listOf(fields.inhRelations).length > 0 ||
    fields.partspec !== undefined ||
    fields.partbound !== undefined
  )
    return undefined
  const table: NewTable = {
    key,
    position,
    node: cloneNode(node),
    columns: new Set(),
    keys: new Set(),
    hasPrimaryKey: false,
    open: true,
    merged: false,
  }
  for (const element of listOf(fields.tableElts)) record(table, element as SqlNode)
  return table
}

/** Notes a column or constraint of the table, to judge later merges by. */
function record(table: NewTable, element: SqlNode): void {
  const column = fieldsIf(element, 'ColumnDef')
  if (column !== undefined) {
    table.columns.add(String(column.colname))
    for (const item of listOf(column.constraints))
      keyOf(table, fieldsIf(item, 'Constraint'), [String(column.colname)])
    return
  }
  const constraint = fieldsIf(element, 'Constraint')
  keyOf(table, constraint, namesOf(constraint?.keys))
}

function keyOf(table: NewTable, constraint: SqlFields | undefined, columns: string[]): void {
  if (constraint?.contype === 'CONSTR_PRIMARY') table.hasPrimaryKey = true
  if (constraint?.contype === 'CONSTR_PRIMARY' || constraint?.contype === 'CONSTR_UNIQUE') {
    table.keys.add([...columns].sort().join(','))
  }
}

function hasKey(table: NewTable, columns: string[]): boolean {
  if (columns.length === 0) return table.hasPrimaryKey
  return table.keys.has([...columns].sort().join(','))
}

/** The tables made in the migration so far, and where each table was last touched. */
interface Seen {
  readonly tables: ReadonlyMap<string, NewTable>
  readonly touched: ReadonlyMap<string, number>
}

/**
 * Merges the ALTER's leading commands that can go into the table's CREATE TABLE; returns how
 * many. Only the leading ones: a command after one that stays may depend on it (a CHECK on a
 * column whose type the command before changes).
 */
function merge(target: NewTable, commands: unknown[], seen: Seen): number {
  const elements: SqlNode[] = []
  for (const item of commands) {
    const element = mergeable(target, fieldsIf(item, 'AlterTableCmd'), seen)
    if (element === undefined) break
    record(target, element)
    elements.push(element)
  }
  if (elements.length === 0) return 0
  const create = target.node.CreateStmt as SqlFields
  create.tableElts = [...listOf(create.tableElts), ...elements]
  target.merged = true
  return elements.length
}

/** The column or constraint a command adds, ready for CREATE TABLE, if it can go there. */
function mergeable(table: NewTable, command: SqlFields | undefined, seen: Seen): SqlNode | undefined {
  if (command?.subtype === 'AT_AddColumn') {
    const column = fieldsIf(command.def, 'ColumnDef')
    if (column === undefined || table.columns.has(String(column.colname))) return undefined
    return { ColumnDef: cloneNode(column) }
  }
  if (command?.subtype !== 'AT_AddConstraint') return undefined
  const constraint = cloneNode(fieldsIf(command.def, 'Constraint'))
  if (constraint === undefined || typeof constraint.indexname === 'string') return undefined
  switch (constraint.contype) {
    case 'CONSTR_PRIMARY':
      if (table.hasPrimaryKey) return undefined
      break
    case 'CONSTR_UNIQUE':
      break
    case 'CONSTR_FOREIGN':
      if (!referenceable(table, constraint, seen)) return undefined
      break
    case 'CONSTR_CHECK':
      break
    default:
      return undefined
  }
  // NOT VALID means nothing for an empty table; CREATE TABLE checks at once.
  if (constraint.skip_validation === true) {
    delete constraint.skip_validation
    constraint.initially_valid = true
  }
  return { Constraint: constraint }
}

/**
 * Whether the referenced key exists where the CREATE TABLE runs: in the table itself, in a table
 * made before it in the migration, or in a table made before the migration that nothing has
 * touched since the CREATE TABLE (so no statement in between adds the key it needs).
 */
function referenceable(table: NewTable, constraint: SqlFields, seen: Seen): boolean {
  const referenced = relationKey(relationName(constraint.pktable as SqlFields))
  const columns = namesOf(constraint.pk_attrs)
  if (referenced === table.key) return hasKey(table, columns)
  const other = seen.tables.get(referenced)
  if (other !== undefined) return other.position < table.position && hasKey(other, columns)
  return (seen.touched.get(referenced) ?? -1) < table.position
}

function describe(commands: unknown[]): string {
  const parts = commands.map((item) => {
    const command = fieldsIf(item, 'AlterTableCmd')
    const column = fieldsIf(command?.def, 'ColumnDef')
    if (column !== undefined) return `column ${displayName(String(column.colname))}`
    const constraint = fieldsIf(command?.def, 'Constraint')
    return typeof constraint?.conname === 'string' ? `constraint ${constraint.conname}` : 'the constraint'
  })
  return parts.length === 1
    ? `the ${parts[0]}`
    : `the ${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`
}

/**
 * The tables a statement reads, writes or changes, as `schema.name`. A foreign key's referenced
 * table does not count: it is only read. An index's table counts only with `withIndexes`: an
 * index puts no rows in a table, but a unique index is a key a foreign key can reference.
 */
function touchedTables(node: SqlNode, withIndexes: boolean): Set<string> {
  const keys = new Set<string>()
  const type = nodeType(node)
  const fields = node[type] as SqlFields
  if (type === 'DropStmt') {
    for (const object of listOf(fields.objects)) {
      const names = namesOf(object)
      const name = names[names.length - 1]
      if (name !== undefined)
        keys.add(
          relationKey(names.length > 1 ? { schema: names[names.length - 2] as string, name } : { name }),
        )
    }
  }
  collect(type === 'IndexStmt' && !withIndexes ? { ...fields, relation: undefined } : fields, keys)
  return keys
}

function collect(value: unknown, keys: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, keys)
    return
  }
  if (typeof value !== 'object' || value === null) return
  for (const [key, child] of Object.entries(value)) {
    if (key === 'pktable') continue
    if (key === 'RangeVar') keys.add(relationKey(relationName(child as SqlFields)))
    else if (key === 'relation' || key === 'sequence') keys.add(relationKey(relationName(child as SqlFields)))
    else collect(child, keys)
  }
}
