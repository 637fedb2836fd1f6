import { displayName, listOf, namesOf, quoteIdentifier, type SqlFields } from '../../sql/index.js'
import type { RewriteContext } from '../rewrite-context.js'

// What to use instead of each type DSQL cannot store (its supported data types page lists what
// it can; reference §4.2 has the refusal `datatype money not supported`).
const INSTEAD: Readonly<Record<string, string>> = {
  money: 'numeric(19,4)',
  xml: 'text',
  inet: 'text (or bytea)',
  cidr: 'text (or bytea)',
  macaddr: 'text',
  macaddr8: 'text',
  point: 'two double precision columns, or jsonb',
  line: 'jsonb',
  lseg: 'jsonb',
  box: 'four double precision columns, or jsonb',
  path: 'jsonb',
  polygon: 'jsonb',
  circle: 'jsonb',
  tsvector: 'text, searched by the application: DSQL has no full-text search',
  tsquery: 'text: DSQL has no full-text search',
  int4range: 'two integer columns (lower and upper bound)',
  int8range: 'two bigint columns (lower and upper bound)',
  numrange: 'two numeric columns (lower and upper bound)',
  tsrange: 'two timestamp columns (lower and upper bound)',
  tstzrange: 'two timestamptz columns (lower and upper bound)',
  daterange: 'two date columns (lower and upper bound)',
  int4multirange: 'a child table of ranges',
  pg_lsn: 'text',
  txid_snapshot: 'text',
  pg_snapshot: 'text',
  // Extension types: DSQL has no extensions.
  citext: 'text, compared through lower() (an index on lower(col) serves it)',
  hstore: 'jsonb',
  ltree: 'text',
  cube: 'jsonb',
  vector: 'nothing on DSQL: keep vectors in a store that supports them',
  geometry: 'nothing on DSQL: keep coordinates as numeric columns or jsonb',
  geography: 'nothing on DSQL: keep coordinates as numeric columns or jsonb',
}

/** `name` or `schema.name` of a column's type, and whether it is an array. */
export function typeOf(column: SqlFields): { names: string[]; array: boolean } {
  const typeName = (column.typeName ?? {}) as SqlFields
  return { names: namesOf(typeName.names), array: listOf(typeName.arrayBounds).length > 0 }
}

/**
 * Reports a column whose type DSQL cannot store, or an enum made in the same migration.
 * Returns whether it did (an error: the statement stays as written).
 */
export function reportUnsupportedType(column: SqlFields, context: RewriteContext): boolean {
  const { names, array } = typeOf(column)
  const name = String(column.colname)
  const last = names[names.length - 1] ?? ''
  const at = (column.typeName as SqlFields | undefined)?.location
  if (array) {
    context.report({
      rule: 'unsupported-type',
      message: `Column ${displayName(name)} is an array (${last}[]), which DSQL cannot store.`,
      hint: 'Store the list as jsonb, or as rows of a child table (one row per element).',
      at,
    })
    return true
  }
  const key = names.length > 1 ? `${names[names.length - 2]}.${last}` : `public.${last}`
  const enumType = context.enums.get(key)
  if (enumType !== undefined) {
    const values = enumType.values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')
    context.report({
      rule: 'enum-type',
      message: `Column ${displayName(name)} has the enum type ${displayName(enumType.name)}, which DSQL cannot create.`,
      hint: `Declare it as text CHECK (${quoteIdentifier(name)} IN (${values})), and drop the CREATE TYPE.`,
      at,
    })
    return true
  }
  const instead = names.length === 1 || names[0] === 'pg_catalog' ? INSTEAD[last] : undefined
  if (instead === undefined) return false
  context.report({
    rule: 'unsupported-type',
    message: `Column ${displayName(name)} has type ${last}, which DSQL cannot store.`,
    hint: `Use ${instead}.`,
    at,
  })
  return true
}
