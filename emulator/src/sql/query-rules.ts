import type { ErrorFields } from '../wire/index.js'
import { GEOMETRIC_TYPES, refused, typeName } from './column-rules.js'
import type { EmulatorProfile } from './dialect-profile.js'
import type { SqlNode } from './sql-parser.js'
import { listOf, stringOf, walk } from './sql-tree.js'

/**
 * Text search functions, with the number of arguments of their form that names a configuration
 * first. DSQL has no text search configuration (observed 2026-09-18: `42704 text search
 * configuration "english" does not exist` from to_tsvector, to_tsquery, websearch_to_tsquery).
 */
const TEXT_SEARCH_FUNCTIONS: Readonly<Record<string, number>> = {
  to_tsvector: 2,
  to_tsquery: 2,
  plainto_tsquery: 2,
  phraseto_tsquery: 2,
  websearch_to_tsquery: 2,
  json_to_tsvector: 3,
  jsonb_to_tsvector: 3,
  ts_headline: 4,
}

/**
 * The configuration a form without one uses: the default configuration (`english`) is missing
 * on DSQL as the others are. Approximated: no source shows the one-argument forms.
 */
const DEFAULT_TEXT_SEARCH_CONFIG = 'english'

function missingConfig(name: string): ErrorFields {
  return refused(`text search configuration "${name}" does not exist`, '42704')
}

/** The text of a string constant, bare or cast (`'english'::regconfig`). */
function constantText(node: unknown): string | undefined {
  const direct = stringOf(node)
  if (direct !== undefined) return direct
  const cast = (node as { TypeCast?: { arg?: unknown } } | undefined)?.TypeCast
  return cast === undefined ? undefined : stringOf(cast.arg)
}

function functionRefusal(fields: Record<string, unknown>): ErrorFields | undefined {
  const names = listOf(fields.funcname).map((n) => stringOf(n) ?? '')
  const name = names[names.length - 1] ?? ''
  if (names.length > 1 && names[0] !== 'pg_catalog') return undefined
  const args = listOf(fields.args)
  const withConfig = TEXT_SEARCH_FUNCTIONS[name]
  if (withConfig !== undefined) {
    const config = args.length >= withConfig ? constantText(args[0]) : DEFAULT_TEXT_SEARCH_CONFIG
    return config === undefined ? undefined : missingConfig(config)
  }
  if (GEOMETRIC_TYPES.has(name) && args.length > 0) return refused(`datatype ${name} not supported`)
  return undefined
}

function castRefusal(fields: Record<string, unknown>): ErrorFields | undefined {
  const type = typeName(fields.typeName)
  if (type.name === 'regconfig') {
    const config = stringOf(fields.arg)
    return config === undefined ? undefined : missingConfig(config)
  }
  // Chosen: a cast to a geometric type is refused as DSQL refuses its constructor functions.
  if (GEOMETRIC_TYPES.has(type.name)) return refused(`datatype ${type.name} not supported`)
  return undefined
}

/**
 * Refusals found anywhere in a statement's tree: TABLESAMPLE, locking clauses other than FOR
 * UPDATE (and FOR KEY SHARE in profile `2026`), `SELECT INTO`, text search configurations and
 * geometric values. Pure.
 */
export function expressionRefusal(node: SqlNode, profile: EmulatorProfile): ErrorFields | undefined {
  let refusal: ErrorFields | undefined
  walk(node, (type, fields) => {
    if (refusal !== undefined) return false
    switch (type) {
      case 'RangeTableSample':
        refusal = refused('TABLESAMPLE clause not supported')
        break
      case 'LockingClause': {
        const strength = fields.strength
        if (strength === 'LCS_FORUPDATE') break
        if (strength === 'LCS_FORKEYSHARE' && profile === '2026') break
        refusal = refused(
          profile === '2026'
            ? 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'
            : 'locking clauses other than FOR UPDATE are not supported',
        )
        break
      }
      case 'SelectStmt':
        if (fields.intoClause !== undefined) refusal = refused('unsupported statement: CreateTableAs')
        break
      case 'FuncCall':
        refusal = functionRefusal(fields)
        break
      case 'TypeCast':
        refusal = castRefusal(fields)
        break
    }
    return undefined
  })
  return refusal
}
