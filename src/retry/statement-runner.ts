import { errorVerdict } from '../errors/index.js'
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
  target.send(text, values, (error, result, state) => {
    // Success, or no connection to be had: the connect loop has already retried what it could.
    if (error === null || error === undefined || state === 'unsent') {
      callback(error, result)
      return
    }
    const verdict = errorVerdict(error)
    const canSendAgain = target.canReconnect || !verdict.connectionLost
    const allow =
      verdict.retry === 'if-idempotent' && canSendAgain && isReadOnlyQuery(text)
        ? 'lost-read'
        : state === 'idle' && target.retry.autocommit
          ? 'conflict'
          : undefined
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
