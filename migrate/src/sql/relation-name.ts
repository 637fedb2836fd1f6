import type { SqlFields } from './sql-node.js'

/** A table (or other relation) as a statement names it. */
export interface RelationName {
  /** The schema when the statement writes one. */
  readonly schema?: string
  readonly name: string
}

/** The name of a `RangeVar`'s fields. */
export function relationName(rangeVar: SqlFields | undefined): RelationName {
  const name = typeof rangeVar?.relname === 'string' ? rangeVar.relname : ''
  const schema = typeof rangeVar?.schemaname === 'string' ? rangeVar.schemaname : undefined
  return schema === undefined ? { name } : { schema, name }
}

/**
 * One key per table: an unqualified name is taken to be in `public`, as it is under DSQL's and
 * PostgreSQL's default search_path (drizzle-kit writes `"public"."users"` in one statement and
 * `"users"` in the next).
 */
export function relationKey(relation: RelationName): string {
  return `${relation.schema ?? 'public'}.${relation.name}`
}

/** `"schema"."name"`, for messages: always quoted, so a name reads as a name. */
export function displayRelation(relation: RelationName): string {
  return relation.schema === undefined
    ? displayName(relation.name)
    : `${displayName(relation.schema)}.${displayName(relation.name)}`
}

/** `"name"`, for messages. */
export function displayName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** An identifier as SQL text: bare when PostgreSQL would read it back unchanged, quoted otherwise. */
export function quoteIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replaceAll('"', '""')}"`
}

// Words that cannot stand bare as a column or table name (PostgreSQL's reserved key words that
// ORMs are most likely to use as names); quoting a name that did not need it is harmless.
const RESERVED = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'column',
  'constraint',
  'create',
  'current_catalog',
  'current_date',
  'current_role',
  'current_time',
  'current_timestamp',
  'current_user',
  'default',
  'deferrable',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'fetch',
  'for',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'in',
  'initially',
  'intersect',
  'into',
  'lateral',
  'leading',
  'limit',
  'localtime',
  'localtimestamp',
  'not',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'placing',
  'primary',
  'references',
  'returning',
  'select',
  'session_user',
  'some',
  'symmetric',
  'system_user',
  'table',
  'then',
  'to',
  'trailing',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'variadic',
  'when',
  'where',
  'window',
  'with',
])
