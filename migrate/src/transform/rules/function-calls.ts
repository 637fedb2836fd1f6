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

/**
 * `uuid_generate_v4()` (uuid-ossp, which DSQL lacks) becomes the built-in `gen_random_uuid()`,
 * which makes the same random version-4 UUIDs, wherever it appears: column defaults, SET DEFAULT,
 * INSERT. Works on `node` in place; returns whether it changed it.
 */
export function rewriteUuidFunctions(node: SqlNode, context: RewriteContext): boolean {
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
    }
  })
  return changed
}
