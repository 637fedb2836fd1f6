import type { UnitOutcome } from '../session/index.js'
import { isTransactionControlTag } from '../sql/index.js'

/** How a unit moves the transaction counters. */
export interface TransactionDelta {
  readonly ended: number
  readonly readOnly: number
  readonly occConflicts: number
  readonly queryTimeouts: number
}

/**
 * Counts transactions the way DSQL's CloudWatch metrics do: one when an explicit transaction
 * ends (COMMIT, ROLLBACK, or a failed COMMIT), and one per autocommit round trip that ran a
 * statement (PostgreSQL runs a multi-statement simple query as one implicit transaction). Pure.
 */
export function accountUnit(outcome: UnitOutcome): TransactionDelta {
  const { error } = outcome
  const occConflicts = error?.code === '40001' && error.message.includes('(OC000)') ? 1 : 0
  const queryTimeouts = error?.code === '54000' && error.message.startsWith('transaction age limit') ? 1 : 0
  let ended = 0
  if (outcome.after === 'I') {
    if (outcome.before !== 'I') ended = 1
    else if (outcome.ranStatement) {
      const controlOnly = outcome.tags.length > 0 && outcome.tags.every(isTransactionControlTag)
      ended = controlOnly && error === undefined ? 0 : 1
    }
  }
  return { ended, readOnly: ended === 1 && !outcome.wrote ? 1 : 0, occConflicts, queryTimeouts }
}
