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
  bit: 'boolean for one bit, or bytea',
  varbit: 'bytea',
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

/** A column's type names and whether it is an array. */
export function typeOf(column: SqlFields): { names: string[]; array: boolean } {
  return typeNameParts(column.typeName)
}

function typeNameParts(typeName: unknown): { names: string[]; array: boolean } {
  const fields = (typeName ?? {}) as SqlFields
  return { names: namesOf(fields.names), array: listOf(fields.arrayBounds).length > 0 }
}

/** What a type belongs to: a column (named in the enum hint's CHECK) or a domain. */
export interface TypeSubject {
  /** `Column "x"`, `The domain "d"`: the start of the message. */
  readonly label: string
  readonly column?: string
}

/** The subject of a column's type. */
export function columnSubject(column: SqlFields): TypeSubject {
  const name = String(column.colname)
  return { label: `Column ${displayName(name)}`, column: name }
}

/**
 * Reports a type DSQL cannot store, or an enum made in the same migration. Returns whether it
 * did (an error: the statement stays as written).
 */
export function reportUnsupportedType(
  typeName: unknown,
  subject: TypeSubject,
  context: RewriteContext,
): boolean {
  const { names, array } = typeNameParts(typeName)
  const last = names[names.length - 1] ?? ''
  const at = (typeName as SqlFields | undefined)?.location
  if (array) {
    context.report({
      rule: 'unsupported-type',
      message: `${subject.label} is an array (${last}[]), which DSQL cannot store.`,
      hint: 'Store the list as jsonb, or as rows of a child table (one row per element).',
      at,
    })
    return true
  }
  const key = names.length > 1 ? `${names[names.length - 2]}.${last}` : `public.${last}`
  const enumType = context.enums.get(key)
  if (enumType !== undefined) {
    const values = enumType.values.map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')
    const column = quoteIdentifier(subject.column ?? 'value')
    context.report({
      rule: 'enum-type',
      message: `${subject.label} has the enum type ${displayName(enumType.name)}, which DSQL cannot create.`,
      hint: `Declare it as text CHECK (${column} IN (${values})), and drop the CREATE TYPE.`,
      at,
    })
    return true
  }
  const instead = names.length === 1 || names[0] === 'pg_catalog' ? INSTEAD[last] : undefined
  if (instead === undefined) return false
  context.report({
    rule: 'unsupported-type',
    message: `${subject.label} has type ${last}, which DSQL cannot store.`,
    hint: `Use ${instead}.`,
    at,
  })
  return true
}
