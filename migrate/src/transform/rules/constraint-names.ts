import { fieldsIf, namesOf, type SqlFields, stringOf, walkNodes } from '../../sql/index.js'

// PostgreSQL's NAMEDATALEN - 1: the longest name, in bytes.
const MAX_NAME_BYTES = 63

/**
 * The name PostgreSQL gives a constraint or index nobody named (`makeObjectName`): the table,
 * the columns and a label joined by `_`, the longer part cut first so the whole fits in 63 bytes.
 * When that name is taken PostgreSQL appends a number; transform cannot see the catalog, so a
 * rewrite names the constraint itself with this first choice.
 */
export function defaultObjectName(table: string, columns: string | undefined, label: string): string {
  const overhead = label.length + 1 + (columns === undefined ? 0 : 1)
  const available = MAX_NAME_BYTES - overhead
  let first = Buffer.byteLength(table)
  let second = columns === undefined ? 0 : Buffer.byteLength(columns)
  while (first + second > available) {
    if (first > second) first--
    else second--
  }
  const head = clipBytes(table, first)
  return columns === undefined ? `${head}_${label}` : `${head}_${clipBytes(columns, second)}_${label}`
}

/** The columns part of a default name: the names joined by `_`, stopped once it is long enough. */
export function columnsAddition(columns: readonly string[]): string {
  let text = ''
  for (const column of columns) {
    text = text === '' ? column : `${text}_${column}`
    if (Buffer.byteLength(text) >= MAX_NAME_BYTES + 1) break
  }
  return text
}

/** `<table>_<columns>_key`, `_fkey` or `_check` as PostgreSQL would name the constraint. */
export function defaultConstraintName(table: string, constraint: SqlFields): string {
  switch (constraint.contype) {
    case 'CONSTR_UNIQUE':
      return defaultObjectName(table, columnsAddition(namesOf(constraint.keys)), 'key')
    case 'CONSTR_PRIMARY':
      return defaultObjectName(table, undefined, 'pkey')
    case 'CONSTR_FOREIGN':
      return defaultObjectName(table, columnsAddition(namesOf(constraint.fk_attrs)), 'fkey')
    default: {
      // A check names its column when it reads exactly one.
      const columns = new Set<string>()
      walkNodes(constraint.raw_expr, (type, fields) => {
        if (type !== 'ColumnRef') return
        const parts = (fields.fields as unknown[]) ?? []
        const last = stringOf(parts[parts.length - 1])
        if (last !== undefined) columns.add(last)
      })
      const only = columns.size === 1 ? [...columns][0] : undefined
      return defaultObjectName(table, only, 'check')
    }
  }
}

function clipBytes(text: string, bytes: number): string {
  let clipped = text
  while (Buffer.byteLength(clipped) > bytes) clipped = clipped.slice(0, -1)
  return clipped
}

/** The constraint's name as written, or the one PostgreSQL would choose. */
export function constraintNameOf(table: string, constraint: SqlFields): string {
  return typeof constraint.conname === 'string'
    ? constraint.conname
    : defaultConstraintName(table, constraint)
}

/** The fields of a `Constraint` node. */
export function constraintFields(value: unknown): SqlFields | undefined {
  return fieldsIf(value, 'Constraint')
}
