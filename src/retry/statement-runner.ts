import { errorVerdict, TransactionOutcomeUnknownError } from '../errors/index.js'
import { autocommitRetryDelay, isReadOnlyQuery } from './autocommit-retry.js'
import type { RetryTarget, StatementResult, TransactionClient } from './retry-target.js'

/** A node-style query callback, as pg calls them. */
export type StatementCallback = (error: Error | null | undefined, result?: StatementResult) => void

/**
 * Sends one autocommit statement through `target` and answers `callback` once, sending it again
 * after a backoff when that is safe: a statement that lost a conflict in its own implicit
 * transaction (its connection is idle again: nothing applied), and a read-only statement whose
 * connection died or whose Region answered "server unavailable" (it can run twice), when the
 * target can send it again. A write that may have applied is never sent twice. The same loop
 * serves `pool.query()` and `client.query()`; this is the query path, so it allocates one
 * callback per attempt and nothing else.
 */
export function runStatement<C extends TransactionClient>(
  target: RetryTarget<C>,
  text: unknown,
  values: unknown,
  callback: StatementCallback,
  attempt = 1,
  startedAt = 0,
): void {
  target.send(text, values, (error, result, state, autocommit) => {
    // Success, or no connection to be had: the connect loop has already retried what it could.
    if (error === null || error === undefined || state === 'unsent') {
      callback(error, result)
      return
    }
    const verdict = errorVerdict(error)
    const readOnly = isReadOnlyQuery(text)
    const canSendAgain = target.canReconnect || !verdict.connectionLost
    const allow =
      verdict.retry === 'if-idempotent' && canSendAgain && readOnly
        ? 'lost-read'
        : state === 'idle' && target.retry.autocommit
          ? 'conflict'
          : undefined
    // A write sent in its own implicit transaction whose answer was lost may have committed: say
    // so, as transaction() does for its COMMIT, rather than hand back an error that reads as
    // retryable. (Inside a transaction, the COMMIT's sender decides: transaction() does.)
    if (allow === undefined && verdict.retry === 'if-idempotent' && !readOnly && autocommit) {
      target.events.tally.statementOutcomeUnknown()
      callback(statementOutcomeUnknown(error, attempt))
      return
    }
    const firstFailureAt = startedAt === 0 ? Date.now() : startedAt
    const delayMs =
      allow === undefined
        ? undefined
        : autocommitRetryDelay(
            { error, attempt, startedAt: firstFailureAt, allow },
            target.retry,
            target.events,
          )
    if (delayMs === undefined) callback(error, result)
    else setTimeout(() => runStatement(target, text, values, callback, attempt + 1, firstFailureAt), delayMs)
  })
}

/** The error for a write whose answer was lost after it was sent: it may or may not have applied. */
function statementOutcomeUnknown(cause: Error, attempts: number): TransactionOutcomeUnknownError {
  return new TransactionOutcomeUnknownError(
    'The connection failed after the statement was sent and before its answer, so it may or may not have ' +
      'been applied; pg-dsql does not send it again. Check the data, or run it in pool.transaction() with ' +
      'idempotent: true or exactlyOnce: true.',
    { attempts, cause },
  )
}
