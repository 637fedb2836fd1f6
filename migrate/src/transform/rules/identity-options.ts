import { fieldsIf, integerOf, listOf, namesOf, type SqlFields, type SqlNode } from '../../sql/index.js'
import type { RewriteContext } from '../rewrite-context.js'

/** DSQL takes `CACHE 1` or `CACHE >= 65536` (its CREATE SEQUENCE page). */
export function isValidCache(cache: number): boolean {
  return cache === 1 || cache >= 65_536
}

/** A sequence option as the parser writes it, e.g. `CACHE 65536`. */
export function sequenceOption(defname: string, value: number): SqlNode {
  return { DefElem: { defname, arg: { Integer: { ival: value } }, defaction: 'DEFELEM_UNSPEC' } }
}

/**
 * Gives a list of sequence options (an identity column's or a sequence's) a `CACHE` DSQL takes:
 * added when missing, replaced when DSQL would refuse it. Returns the new list, or `undefined`
 * when nothing changed. `what` names the column or sequence in messages.
 */
export function withValidCache(
  options: unknown,
  what: string,
  context: RewriteContext,
): SqlNode[] | undefined {
  const items = listOf(options) as SqlNode[]
  const index = items.findIndex((item) => fieldsIf(item, 'DefElem')?.defname === 'cache')
  const cache = context.identityCache
  if (index === -1) {
    context.report({
      rule: 'identity-cache',
      message: `${what} has no CACHE, which DSQL requires; CACHE ${cache} added.`,
      hint: cacheHint(cache),
    })
    return [...items, sequenceOption('cache', cache)]
  }
  const element = fieldsIf(items[index], 'DefElem') as SqlFields
  const written = integerOf(element.arg)
  if (written !== undefined && isValidCache(written)) return undefined
  context.report({
    rule: 'identity-cache-invalid',
    message: `${what} has CACHE ${written ?? '?'}, which DSQL refuses (it takes 1 or at least 65536); CACHE ${cache} used instead.`,
    hint: cacheHint(cache),
    at: element.location,
  })
  const replaced = [...items]
  replaced[index] = sequenceOption('cache', cache)
  return replaced
}

function cacheHint(cache: number): string {
  return cache === 1
    ? 'CACHE 1 hands out values in order, at the cost of a round of coordination per value.'
    : `With CACHE ${cache} values stay unique but are not in order across sessions and have gaps; pass identityCache: 1 (--identity-cache 1) for values in order.`
}

// The integer types an identity column or a sequence may be declared with, as the parser names them.
const NARROW_INTEGERS: Readonly<Record<string, string>> = { int2: 'smallint', int4: 'integer' }

/** `smallint` or `integer` when the type is one of those, so it must widen to bigint. */
export function narrowIntegerName(typeName: unknown): string | undefined {
  const names = namesOf((fieldsIf(typeName, 'TypeName') ?? (typeName as SqlFields | undefined))?.names)
  const last = names[names.length - 1]
  return last === undefined ? undefined : NARROW_INTEGERS[last]
}

/** The type name node of `bigint`, as the parser writes it. */
export function bigintTypeName(location?: unknown): SqlFields {
  const typeName: SqlFields = {
    names: [{ String: { sval: 'pg_catalog' } }, { String: { sval: 'int8' } }],
    typemod: -1,
  }
  if (typeof location === 'number') typeName.location = location
  return typeName
}
