import { fieldsIf, fieldsOf, listOf, type ParsedStatement, type SqlNode } from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'

const REMOVED_TRANSACTION_KINDS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START', 'TRANS_STMT_COMMIT'])

/**
 * BEGIN, START TRANSACTION and COMMIT removed: each statement of the output runs in a transaction
 * of its own. Savepoints, two-phase commit and ROLLBACK have no such reading and are reported.
 */
export function rewriteTransactionStatement(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] {
  const kind = String(fieldsOf(node).kind)
  if (REMOVED_TRANSACTION_KINDS.has(kind)) {
    context.report({
      rule: 'transaction-control',
      message: `${statement.text.split(/\s/)[0]?.toUpperCase()} removed: each statement runs in a transaction of its own (one DDL statement per transaction on DSQL).`,
      hint: 'The statements no longer commit together; apply records each one, and resumes after the last one applied.',
    })
    return []
  }
  context.report({
    rule: 'unsupported-transaction-control',
    message: `${statement.text} has no meaning when each statement runs in a transaction of its own, and DSQL has no savepoints or prepared transactions.`,
    hint: 'Remove it; to undo a migration, write the statements that undo it.',
  })
  return [{ node, async: false, text: statement.text, verbatim: true }]
}

// Settings that change how later statements read names: dropping them would change what the
// later statements do.
const SCOPED = new Set(['search_path', 'role', 'session_authorization'])

/**
 * SET and RESET removed: a setting made in one transaction does not reach the next statement,
 * which runs in a transaction of its own, maybe on another connection. A search_path (other than
 * public), ROLE or SESSION AUTHORIZATION that later statements rely on is reported instead.
 */
export function rewriteSetStatement(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] {
  const fields = fieldsOf(node)
  if (fields.kind === 'VAR_SET_MULTI') {
    context.report({
      rule: 'transaction-control',
      message: `${statement.text} removed: DSQL's transactions are always REPEATABLE READ, and each statement runs in a transaction of its own.`,
    })
    return []
  }
  const name = typeof fields.name === 'string' ? fields.name : ''
  const values = listOf(fields.args).map((arg) => {
    const text = fieldsIf(arg, 'A_Const')?.sval as { sval?: unknown } | undefined
    return typeof text?.sval === 'string' ? text.sval : ''
  })
  const defaultPath =
    name === 'search_path' && values.every((value) => value === 'public' || value === '$user')
  if (SCOPED.has(name) && fields.kind !== 'VAR_RESET' && !defaultPath) {
    context.report({
      rule: 'session-scoped-setting',
      message: `${statement.text} cannot reach the statements after it: each runs in a transaction of its own, maybe on another connection.`,
      hint:
        name === 'search_path'
          ? 'Qualify the names in the statements after it with their schema (schema.table).'
          : 'Run the migration as the role that should own its objects, or add ALTER ... OWNER TO statements.',
    })
    return [{ node, async: false, text: statement.text, verbatim: true }]
  }
  context.report({
    rule: 'session-setting',
    message: `${statement.text} removed: a setting made in one transaction does not reach the statements after it, which run in transactions of their own.`,
  })
  return []
}
