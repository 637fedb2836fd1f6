import type { ErrorFields } from '../wire/index.js'
import type { EmulatorProfile } from './dialect-profile.js'
import { fieldsOf, integerOf, listOf, namesOf, optionsOf } from './sql-tree.js'

/** A DSQL refusal: `0A000` unless another SQLSTATE is given. */
export function refused(message: string, code = '0A000'): ErrorFields {
  return { severity: 'ERROR', code, message }
}

/**
 * Column types DSQL cannot store (observed 2026-09: money, xml, inet, ..., bit, bit varying).
 * The geometric ones are refused in queries too (see `GEOMETRIC_TYPES`).
 */
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
  'bit',
  'bit varying',
])

/** Geometric types: DSQL refuses them even as values in a query (observed: line(), circle()). */
export const GEOMETRIC_TYPES = new Set(['point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle'])

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
  varbit: 'bit varying',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
}

export const CACHE_TEXT = 'please define CACHE greater than or equal to 65536 or equal to 1'

/** A `TypeName` node's type, as PostgreSQL names it in messages, and whether it is an array. */
export function typeName(typeNode: unknown): { name: string; array: boolean } {
  const fields = (typeNode ?? {}) as Record<string, unknown>
  const names = namesOf(fields.names)
  const last = names[names.length - 1] ?? ''
  return { name: TYPE_DISPLAY[last] ?? last, array: listOf(fields.arrayBounds).length > 0 }
}

/** `CACHE 1` or `CACHE >= 65536`, as DSQL requires of sequences and identity columns. */
export function hasValidCache(options: unknown): boolean {
  const cache = integerOf(optionsOf(options).get('cache'))
  return cache !== undefined && (cache === 1 || cache >= 65_536)
}

/** `serial`, arrays and types DSQL cannot store, wherever a column or domain declares them. */
export function typeRefusal(typeNode: unknown, profile: EmulatorProfile): ErrorFields | undefined {
  const type = typeName(typeNode)
  if (SERIAL_TYPES.has(type.name)) return refused(`type "${type.name}" does not exist`, '42704')
  if (type.array) return refused(`datatype ${type.name}[] not supported`)
  if (UNSUPPORTED_TYPES.has(type.name)) return refused(`datatype ${type.name} not supported`)
  if (profile === 'late-2025' && (type.name === 'jsonb' || type.name === 'json')) {
    return refused(`datatype ${type.name} not supported`)
  }
  return undefined
}

/** An identity column's rules: profile `2026` needs an explicit valid CACHE and `bigint`. */
export function identityRefusal(
  constraint: Record<string, unknown>,
  type: string | undefined,
  profile: EmulatorProfile,
): ErrorFields | undefined {
  if (profile === 'late-2025') return refused('unsupported constraint: IDENTITY')
  if (!hasValidCache(constraint.options)) {
    return refused(`identity column is not supported without an explicit cache size. ${CACHE_TEXT}`)
  }
  if (type !== undefined && type !== 'bigint') {
    return refused(`datatype ${type} not supported, identity column type must be bigint`)
  }
  return undefined
}

/**
 * A column definition's refusal in `CREATE TABLE` or, with `altering`, in `ALTER TABLE ADD
 * COLUMN` (where DSQL refuses any constraint, default or NOT NULL: observed 2026-09-18).
 */
export function columnRefusal(
  column: Record<string, unknown>,
  profile: EmulatorProfile,
  altering: boolean,
): ErrorFields | undefined {
  const typeProblem = typeRefusal(column.typeName, profile)
  if (typeProblem !== undefined) return typeProblem
  const constraints = listOf(column.constraints)
  if (altering && constraints.length > 0) {
    return refused('ALTER TABLE ADD COLUMN with constraint not supported')
  }
  for (const item of constraints) {
    const constraint = fieldsOf(item, 'Constraint')
    if (constraint?.contype === 'CONSTR_FOREIGN' && profile === 'late-2025') {
      return refused('unsupported constraint: FOREIGN KEY')
    }
    if (constraint?.contype !== 'CONSTR_IDENTITY') continue
    const refusal = identityRefusal(constraint, typeName(column.typeName).name, profile)
    if (refusal !== undefined) return refusal
  }
  return undefined
}

/** DSQL's limit on the key columns of an index or a primary key (quotas page). */
export const MAX_KEY_COLUMNS = 8

export function keyColumnsRefusal(count: number): ErrorFields | undefined {
  return count > MAX_KEY_COLUMNS
    ? refused(`more than ${MAX_KEY_COLUMNS} column keys in an index are not supported`, '54011')
    : undefined
}
