import type { UnitStage } from '../session/index.js'
import { parseIamStatement, sqlLiteral } from '../sql/index.js'
import { commandComplete, errorResponse, readyForQuery } from '../wire/index.js'

/**
 * `AWS IAM GRANT role TO 'arn'` and `AWS IAM REVOKE role FROM 'arn'` (simple query only): run as
 * a hidden call of the emulator's backend function on the session's own connection, so they take
 * part in its transaction, and answered with their own command tag.
 */
export function iamStage(): UnitStage {
  return async (unit, ctx, next) => {
    if (unit.boundary !== 'query') return next(unit)
    const statement = parseIamStatement(unit.statements[0] ?? '')
    if (statement === undefined) return next(unit)
    if (!ctx.isAdmin) {
      return ctx.fail(unit, {
        severity: 'ERROR',
        code: '42501',
        message: `permission denied to grant IAM trust with role ${statement.role}`,
      })
    }
    const granting = statement.verb === 'GRANT'
    // The role change may wait for an emulator's bootstrap; not a conflict, so no lock_timeout.
    const reply = await ctx.hidden(
      `SET lock_timeout = 0; SELECT dsql_emulator.iam_grant(${sqlLiteral(statement.role)}, ${sqlLiteral(statement.arn)}, ${granting}); SET lock_timeout = DEFAULT`,
    )
    if (reply.error !== undefined) {
      const { code, message, detail } = reply.error
      const fields = detail === undefined ? { code, message } : { code, message, detail }
      return ctx.reply([errorResponse({ severity: 'ERROR', ...fields }), readyForQuery(reply.status)])
    }
    return ctx.reply([commandComplete(`AWS IAM ${statement.verb}`), readyForQuery(reply.status)])
  }
}
