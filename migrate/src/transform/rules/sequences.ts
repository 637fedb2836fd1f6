import {
  cloneNode,
  defElemsOf,
  displayRelation,
  fieldsIf,
  listOf,
  type ParsedStatement,
  relationName,
  type SqlFields,
  type SqlNode,
} from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'
import { bigintTypeName, narrowIntegerName, withValidCache } from './identity-options.js'

/**
 * CREATE SEQUENCE and ALTER SEQUENCE in DSQL's terms: a CACHE DSQL takes (added to CREATE when
 * missing, replaced when it would be refused) and bigint as the type.
 */
export function rewriteSequence(statement: ParsedStatement, node: SqlNode, context: RewriteContext): Draft[] {
  const copy = cloneNode(node)
  const creating = 'CreateSeqStmt' in copy
  const fields = (creating ? copy.CreateSeqStmt : copy.AlterSeqStmt) as SqlFields
  const what = `Sequence ${displayRelation(relationName(fields.sequence as SqlFields))}`
  let changed = false
  if (creating || defElemsOf(fields.options).has('cache')) {
    const options = withValidCache(fields.options, what, context)
    if (options !== undefined) {
      fields.options = options
      changed = true
    }
  }
  for (const item of listOf(fields.options)) {
    const option = fieldsIf(item, 'DefElem')
    if (option?.defname !== 'as') continue
    const narrow = narrowIntegerName(option.arg)
    if (narrow === undefined) continue
    context.report({
      rule: 'identity-type-widened',
      message: `${what} is AS ${narrow}; DSQL's sequences are bigint, so it becomes AS bigint.`,
      hint: 'Its values keep their range unless MAXVALUE is raised; node-postgres returns bigint as a string.',
      at: option.location,
    })
    option.arg = { TypeName: bigintTypeName(fieldsIf(option.arg, 'TypeName')?.location) }
    changed = true
  }
  if (!changed) return [{ node, async: false, text: statement.text, verbatim: true }]
  return [{ node: copy, async: false }]
}
