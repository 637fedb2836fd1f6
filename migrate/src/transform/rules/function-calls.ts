import { listOf, namesOf, type SqlFields, type SqlNode, stringNode, walkNodes } from '../../sql/index.js'
import type { RewriteContext } from '../rewrite-context.js'

// uuid-ossp's generators other than v4: no built-in makes the same values.
const OTHER_GENERATORS = new Set([
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v3',
  'uuid_generate_v5',
  'uuid_nil',
  'uuid_ns_dns',
  'uuid_ns_url',
  'uuid_ns_oid',
  'uuid_ns_x500',
])

// Text search functions: DSQL has no text search configuration, not even `english`
// (observed: `text search configuration "english" does not exist`).
const TEXT_SEARCH = new Set([
  'to_tsvector',
  'to_tsquery',
  'plainto_tsquery',
  'phraseto_tsquery',
  'websearch_to_tsquery',
  'json_to_tsvector',
  'jsonb_to_tsvector',
  'ts_headline',
  'ts_rank',
  'ts_rank_cd',
])

/**
 * Function calls, wherever they appear (column defaults, index expressions, SET DEFAULT, INSERT):
 * `uuid_generate_v4()` (uuid-ossp, which DSQL lacks) becomes the built-in `gen_random_uuid()`,
 * which makes the same random version-4 UUIDs; uuid-ossp's other generators and text search
 * functions are reported. Works on `node` in place; returns whether it changed it.
 */
export function rewriteFunctionCalls(node: SqlNode, context: RewriteContext): boolean {
  let changed = false
  walkNodes(node, (type, fields: SqlFields) => {
    if (type !== 'FuncCall') return
    const names = namesOf(fields.funcname)
    const name = names[names.length - 1] ?? ''
    if (name === 'uuid_generate_v4' && listOf(fields.args).length === 0) {
      context.report({
        rule: 'uuid-generate-v4',
        message: `${names.join('.')}() becomes gen_random_uuid(): uuid-ossp is an extension, which DSQL lacks; gen_random_uuid() is built in and makes the same random UUIDs.`,
        at: fields.location,
      })
      fields.funcname = [stringNode('gen_random_uuid')]
      changed = true
    } else if (OTHER_GENERATORS.has(name)) {
      context.report({
        rule: 'uuid-extension-function',
        message: `${names.join('.')}() comes from uuid-ossp, an extension DSQL lacks.`,
        hint: 'Use gen_random_uuid() (random UUIDs), or make the UUID in the application.',
        at: fields.location,
      })
    } else if (TEXT_SEARCH.has(name) && (names.length === 1 || names[0] === 'pg_catalog')) {
      context.report({
        rule: 'text-search',
        message: `${names.join('.')}() needs a text search configuration, and DSQL has none.`,
        hint: 'Search with LIKE or ILIKE on an indexed expression, or in a search service.',
        at: fields.location,
      })
    }
  })
  return changed
}
