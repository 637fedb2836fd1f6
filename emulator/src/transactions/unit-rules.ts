import type { SessionContext } from '../session/index.js'
import { catalogCheck, roleChangeRefusal, type StatementInfo } from '../sql/index.js'
import type { ErrorFields, TransactionStatus } from '../wire/index.js'
import { checkDdlRules, type SessionTransaction } from './session-transaction.js'

/**
 * DSQL runs `sys.wait_for_job` only alone, outside a transaction block (its text, from AWS's
 * Flyway support for DSQL; the SQLSTATE is chosen).
 */
const WAIT_IN_TRANSACTION: ErrorFields = {
  severity: 'ERROR',
  code: '0A000',
  message: 'CALL sys.wait_for_job not supported in transaction block',
}

/**
 * The refusal of a unit by its text alone: DSQL's dialect, the admin role's protection, and
 * `sys.wait_for_job` in a transaction block (an explicit one, or several statements in one
 * simple query, which DSQL runs as one implicit transaction).
 */
export function staticRefusal(
  statements: readonly StatementInfo[],
  user: string,
  status: TransactionStatus,
): ErrorFields | undefined {
  const refusal = statements.find((s) => s.refusal !== undefined)?.refusal
  if (refusal !== undefined) return refusal
  for (const statement of statements) {
    const roleRefusal = roleChangeRefusal(statement.node, user)
    if (roleRefusal !== undefined) return roleRefusal
  }
  if (statements.some((s) => s.waitsForJob) && (status !== 'I' || statements.length > 1)) {
    return WAIT_IN_TRANSACTION
  }
  return undefined
}

/** DSQL's DDL rules for the unit in its transaction (one DDL, never with DML). */
export function ruleRefusal(
  statements: readonly StatementInfo[],
  tx: SessionTransaction | undefined,
): ErrorFields | undefined {
  const counts = { ddl: tx?.ddlStatements ?? 0, dml: tx?.dmlStatements ?? 0 }
  return checkDdlRules(statements, counts)?.error
}

/**
 * DSQL's rules that need the catalog (primary-key columns, identity types), checked with a
 * hidden query on the client's own session: its snapshot, its search path. Run it at a unit
 * boundary only.
 */
export async function catalogRefusal(
  statements: readonly StatementInfo[],
  ctx: SessionContext,
): Promise<ErrorFields | undefined> {
  const check = catalogCheck(statements.map((s) => s.node))
  if (check === undefined) return undefined
  const reply = await ctx.hidden(check.sql)
  return reply.error === undefined ? check.refusal(reply.rows) : undefined
}
