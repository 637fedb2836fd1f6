import { fieldsOf, nodeType, type SqlNode } from '../../sql/index.js'

/**
 * Normal forms of types, expressions, constraints and indexes, so that what a statement says
 * and what the catalog prints back (`format_type`, `pg_get_expr`, `pg_get_constraintdef`,
 * `pg_get_indexdef`), both read by PostgreSQL's own parser, compare equal when they mean the
 * same thing. Pure: every function takes parse-tree nodes.
 */

type Fields = Record<string, unknown>

const isNode = (value: unknown): value is SqlNode =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1

/** The string values of a list of `String` nodes (`names`, `keys`, `fk_attrs` …). */
export function namesOf(list: unknown): string[] {
  if (!Array.isArray(list)) return []
  return list.map((item) => {
    const fields = isNode(item) ? fieldsOf(item) : {}
    return String(fields.sval ?? '')
  })
}

/** An `A_Const`'s value as text; libpg-query leaves out zero, false and empty values. */
function constText(fields: Fields): string {
  if ('isnull' in fields) return 'NULL'
  for (const kind of ['ival', 'fval', 'sval', 'boolval', 'bsval'] as const) {
    if (kind in fields) {
      const inner = (fields[kind] ?? {}) as Fields
      const value = inner[kind]
      if (kind === 'ival') return String(value ?? 0)
      if (kind === 'boolval') return String(value ?? false)
      return String(value ?? '')
    }
  }
  return ''
}

/**
 * A type as `name(mods)[]`, the name being the last part of its qualified name as the grammar
 * gives it: `varchar(255)` and `character varying(255)` are both `varchar(255)`, `int` and
 * `integer` both `int4`.
 */
export function typeKey(typeName: unknown): string {
  const fields = (typeName ?? {}) as Fields
  const names = namesOf(fields.names)
  const name = (names[names.length - 1] ?? '').toLowerCase()
  const mods = Array.isArray(fields.typmods)
    ? fields.typmods.map((mod) =>
        isNode(mod) && nodeType(mod) === 'A_Const' ? constText(fieldsOf(mod)) : '?',
      )
    : []
  const arrays = Array.isArray(fields.arrayBounds) ? fields.arrayBounds.length : 0
  return `${name}${mods.length > 0 ? `(${mods.join(',')})` : ''}${'[]'.repeat(arrays)}`
}

const IN_OPERATORS: Record<string, string> = { '=': 'AEXPR_OP_ANY', '<>': 'AEXPR_OP_ALL' }

/**
 * An expression with what the catalog adds or rewrites taken out: locations, casts (the
 * catalog casts every constant, and a `varchar` column to `text`), `pg_catalog.` on function
 * names; `x IN (…)` as `x = ANY (ARRAY[…])`, `BETWEEN` as two comparisons, `LIKE` as `~~`,
 * as PostgreSQL stores them.
 */
export function canonical(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(canonical)
  if (node === null || typeof node !== 'object') return node
  if (isNode(node)) {
    const type = nodeType(node)
    const fields = fieldsOf(node)
    if (type === 'A_Const') return { const: constText(fields) }
    if (type === 'TypeCast') return canonical(fields.arg)
    if (type === 'TypeName') return { type: typeKey(fields) }
    if (type === 'A_Expr') return canonicalOperator(fields)
    if (type === 'FuncCall') {
      const names = namesOf(fields.funcname).filter(
        (name, at, all) => !(at === 0 && all.length > 1 && name === 'pg_catalog'),
      )
      const { funcformat: _format, funcname: _name, ...rest } = fields
      return { FuncCall: { name: names.join('.'), ...(canonical(rest) as Fields) } }
    }
  }
  const out: Fields = {}
  for (const key of Object.keys(node).sort()) {
    if (key === 'location') continue
    out[key] = canonical((node as Fields)[key])
  }
  return out
}

function canonicalOperator(fields: Fields): unknown {
  const op = namesOf(fields.name).join('.')
  const expr = (kind: string, name: string, lexpr: unknown, rexpr: unknown) => ({
    A_Expr: { kind, name, lexpr: canonical(lexpr), rexpr: canonical(rexpr) },
  })
  switch (fields.kind) {
    case 'AEXPR_IN': {
      const items = isNode(fields.rexpr) ? fieldsOf(fields.rexpr).items : fields.rexpr
      return expr(IN_OPERATORS[op] ?? 'AEXPR_OP_ANY', op, fields.lexpr, { A_ArrayExpr: { elements: items } })
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      const between = fields.kind === 'AEXPR_BETWEEN'
      const [low, high] = Array.isArray(fields.rexpr)
        ? fields.rexpr
        : isNode(fields.rexpr)
          ? (fieldsOf(fields.rexpr).items as unknown[])
          : []
      return {
        BoolExpr: {
          boolop: between ? 'AND_EXPR' : 'OR_EXPR',
          args: [
            expr('AEXPR_OP', between ? '>=' : '<', fields.lexpr, low),
            expr('AEXPR_OP', between ? '<=' : '>', fields.lexpr, high),
          ],
        },
      }
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE':
      return expr('AEXPR_OP', op, fields.lexpr, fields.rexpr)
    default:
      return expr(String(fields.kind), op, fields.lexpr, fields.rexpr)
  }
}

/** JSON with every object's keys in order, so that equal trees print equal. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  const fields = value as Fields
  return `{${Object.keys(fields)
    .sort()
    .filter((key) => fields[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${stableJson(fields[key])}`)
    .join(',')}}`
}

/** A canonical expression as a string, for equality. */
export const exprKey = (node: unknown): string => stableJson(canonical(node))

/** What a constraint is, without its name or whether it is validated. */
export interface ConstraintShape {
  readonly type: 'primary' | 'unique' | 'foreign' | 'check' | 'other'
  readonly columns: readonly string[]
  readonly including: readonly string[]
  readonly nullsNotDistinct: boolean
  /** Foreign keys: the referenced table and columns (none when the statement leaves them out). */
  readonly references?: { readonly table: string; readonly columns: readonly string[] }
  readonly actions?: string
  readonly check?: string
  /** `UNIQUE USING INDEX`: the index it takes over. */
  readonly usingIndex?: string
}

const CONSTRAINT_TYPES: Record<string, ConstraintShape['type']> = {
  CONSTR_PRIMARY: 'primary',
  CONSTR_UNIQUE: 'unique',
  CONSTR_FOREIGN: 'foreign',
  CONSTR_CHECK: 'check',
}

/** A `Constraint` node's shape; `column` is the column a column constraint is written on. */
export function constraintShape(constraint: Fields, column?: string): ConstraintShape {
  const type = CONSTRAINT_TYPES[String(constraint.contype)] ?? 'other'
  const own = (list: unknown) => {
    const names = namesOf(list)
    return names.length === 0 && column !== undefined ? [column] : names
  }
  const base = {
    type,
    columns: type === 'foreign' ? own(constraint.fk_attrs) : type === 'check' ? [] : own(constraint.keys),
    including: namesOf(constraint.including),
    nullsNotDistinct: constraint.nulls_not_distinct === true,
  }
  if (type === 'foreign') {
    const table = String(((constraint.pktable ?? {}) as Fields).relname ?? '')
    return {
      ...base,
      references: { table, columns: namesOf(constraint.pk_attrs) },
      actions: `${constraint.fk_matchtype ?? 's'}/${constraint.fk_upd_action ?? 'a'}/${constraint.fk_del_action ?? 'a'}`,
    }
  }
  if (type === 'check') return { ...base, check: exprKey(constraint.raw_expr) }
  if (typeof constraint.indexname === 'string') return { ...base, usingIndex: constraint.indexname }
  return base
}

/**
 * Whether the catalog's constraint (`actual`, read back from `pg_get_constraintdef`) is the one
 * the statement describes. A foreign key written without its referenced columns refers to the
 * referenced table's primary key, whatever the catalog lists; `UNIQUE USING INDEX` becomes a
 * plain unique constraint on the index's columns.
 */
export function sameConstraint(expected: ConstraintShape, actual: ConstraintShape): boolean {
  if (expected.type !== actual.type) return false
  if (expected.usingIndex !== undefined) return true
  const same = (a: readonly string[], b: readonly string[]) => a.join(',') === b.join(',')
  if (!same(expected.columns, actual.columns) || !same(expected.including, actual.including)) return false
  if (expected.nullsNotDistinct !== actual.nullsNotDistinct) return false
  if (expected.type === 'foreign') {
    const want = expected.references
    const got = actual.references
    if (want?.table !== got?.table || expected.actions !== actual.actions) return false
    return want === undefined || want.columns.length === 0 || same(want.columns, got?.columns ?? [])
  }
  return expected.check === actual.check
}

/** A constraint as a person reads it, for drift messages. */
export function describeConstraint(shape: ConstraintShape): string {
  const cols = `(${shape.columns.join(', ')})`
  switch (shape.type) {
    case 'primary':
      return `PRIMARY KEY ${cols}`
    case 'unique':
      return shape.usingIndex === undefined ? `UNIQUE ${cols}` : `UNIQUE USING INDEX ${shape.usingIndex}`
    case 'foreign':
      return `FOREIGN KEY ${cols} REFERENCES ${shape.references?.table}(${shape.references?.columns.join(', ')})`
    case 'check':
      return 'CHECK (…)'
    default:
      return 'constraint'
  }
}

const DEFAULT_NULLS: Record<string, string> = { SORTBY_DESC: 'SORTBY_NULLS_FIRST' }

/** An index's definition, without its name: method, uniqueness, keys, INCLUDE, NULLS, WHERE. */
export function indexKey(index: Fields): string {
  const element = (item: unknown) => {
    const fields = isNode(item) ? fieldsOf(item) : {}
    const ordering = fields.ordering === 'SORTBY_DESC' ? 'SORTBY_DESC' : 'SORTBY_DEFAULT'
    const nulls = String(fields.nulls_ordering ?? 'SORTBY_NULLS_DEFAULT')
    // NULLS LAST is ascending order's default and NULLS FIRST descending order's.
    const defaultNulls = DEFAULT_NULLS[ordering] ?? 'SORTBY_NULLS_LAST'
    return {
      key: typeof fields.name === 'string' ? fields.name : canonical(fields.expr),
      ordering,
      nulls: nulls === defaultNulls ? 'SORTBY_NULLS_DEFAULT' : nulls,
    }
  }
  return stableJson({
    method: index.accessMethod ?? 'btree',
    unique: index.unique === true,
    keys: Array.isArray(index.indexParams) ? index.indexParams.map(element) : [],
    including: Array.isArray(index.indexIncludingParams) ? index.indexIncludingParams.map(element) : [],
    nullsNotDistinct: index.nulls_not_distinct === true,
    where: index.whereClause === undefined ? null : canonical(index.whereClause),
  })
}
