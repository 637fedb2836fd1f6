import type { ResolvedRetry } from '../config/index.js'
import { errorVerdict, OccRetryExhaustedError, TransactionOutcomeUnknownError } from '../errors/index.js'
import { type EventSink, eventError } from '../observability/index.js'
import { backoffDelayMs } from './backoff.js'

/** What follows a failed attempt: another one after `delayMs`, or the error to throw. */
export type AttemptDecision =
  | { kind: 'retry'; delayMs: number; unsettledCommit: unknown }
  | { kind: 'throw'; error: unknown; outcome: 'rolled-back' | 'failed' | 'unknown' }

/** One failed attempt, as the shared decision sees it. */
export interface FailedAttempt {
  readonly failure: unknown
  /** The attempt that failed (1 for the first). */
  readonly attempt: number
  readonly startedAt: number
  /** COMMIT may have been sent when it failed: a failure that may have applied work may have committed. */
  readonly mayHaveCommitted: boolean
  /** COMMIT is known to have been sent (not only possibly): for the message. */
  readonly commitSeen?: boolean
  /** It failed before anything was sent (no connection): its outcome is `failed`, not `rolled-back`. */
  readonly beforeAnything: boolean
  /** Running the work again cannot commit it twice (`idempotent`, or an exactlyOnce marker). */
  readonly safeToRepeat: boolean
  /**
   * The failure of an earlier attempt's COMMIT that had no answer and that nothing has settled
   * since (the last retry decision's `unsettledCommit`). Giving up with it unsettled is giving
   * up with the outcome unknown, whatever the last attempt failed with.
   */
  readonly unsettledCommit?: unknown
  readonly retry: ResolvedRetry
  readonly events: EventSink
  readonly now?: (() => number) | undefined
  readonly random?: (() => number) | undefined
}

/**
 * The error for a COMMIT that may or may not have landed. `commitSeen` says COMMIT is known to
 * have been sent; otherwise (an ORM's transaction seen from outside) it may have been.
 */
export function outcomeUnknown(
  cause: unknown,
  attempts: number,
  commitSeen = true,
): TransactionOutcomeUnknownError {
  const when = commitSeen
    ? 'after COMMIT was sent and before its answer'
    : 'at a point where COMMIT may already have been sent'
  return new TransactionOutcomeUnknownError(
    `The connection failed ${when}, so the transaction may or may not have committed; pg-dsql does not retry ` +
      'it. Check the data, or pass idempotent: true (or use exactlyOnce with pool.transaction()) to let ' +
      'pg-dsql retry safely.',
    { attempts, cause },
  )
}

/**
 * The error for giving up after an earlier attempt's COMMIT had no answer: it was safe to run the
 * work again, but no later attempt settled whether that COMMIT landed.
 */
function unsettledOutcome(last: unknown, attempts: number): TransactionOutcomeUnknownError {
  return new TransactionOutcomeUnknownError(
    'An earlier attempt lost its connection after COMMIT was sent and before its answer, so it may have ' +
      'committed; pg-dsql ran the transaction again, as was safe, but gave up before learning whether that ' +
      'COMMIT landed (the last attempt failed: see the cause). Check the data before running it again.',
    { attempts, cause: last },
  )
}

/**
 * Whether a failed transaction attempt goes again, and after how long: conflicts and failures
 * that applied nothing are retried within the budget (maxAttempts, deadlineMs, shouldRetry,
 * onConflict); a failure that may have applied work is retried only when it cannot have
 * committed, or when repeating the work is safe; anything else is thrown. Emits the
 * `occ.conflict`, `retry` and `retry.exhausted` events. Shared by `transaction()` and
 * `retryTransaction()`.
 */
export async function decideAfterFailure(attempt: FailedAttempt): Promise<AttemptDecision> {
  const { failure, retry, events } = attempt
  const now = attempt.now ?? Date.now
  const verdict = errorVerdict(failure)
  let errorClass = verdict.errorClass
  const mayHaveCommitted = attempt.mayHaveCommitted && verdict.retry === 'if-idempotent'
  const unsettledCommit = mayHaveCommitted ? failure : attempt.unsettledCommit
  const fail = (outcome: 'rolled-back' | 'failed' | 'unknown', error: unknown = failure): AttemptDecision =>
    outcome !== 'unknown' && unsettledCommit !== undefined
      ? { kind: 'throw', error: unsettledOutcome(error, attempt.attempt), outcome: 'unknown' }
      : { kind: 'throw', error, outcome }
  if (mayHaveCommitted) {
    if (!attempt.safeToRepeat)
      return fail('unknown', outcomeUnknown(failure, attempt.attempt, attempt.commitSeen ?? true))
    errorClass = 'transient'
  }
  // A conflict whose own retries already ran out (an inner transaction()'s) is not one more.
  if ((errorClass === 'occ-data' || errorClass === 'occ-schema') && verdict.retry !== 'never') {
    const kind = errorClass === 'occ-data' ? 'data' : 'schema'
    events.tally.occConflict(kind)
    events.emit(() => ({ type: 'occ.conflict', kind, attempt: attempt.attempt, scope: 'transaction' }))
    if (retry.onConflict !== undefined) {
      const answer = await retry.onConflict(
        Object.freeze({
          error: failure,
          attempt: attempt.attempt,
          elapsedMs: now() - attempt.startedAt,
          kind,
        }),
      )
      if (answer === 'abort') return fail('rolled-back')
    }
  }
  if (verdict.retry === 'never') return fail(attempt.beforeAnything ? 'failed' : 'rolled-back')
  if (retry.shouldRetry !== undefined && !retry.shouldRetry(failure, attempt.attempt))
    return fail('rolled-back')
  const delayMs = backoffDelayMs(attempt.attempt, retry, attempt.random)
  const elapsedMs = now() - attempt.startedAt
  if (attempt.attempt >= retry.maxAttempts || elapsedMs + delayMs > retry.deadlineMs) {
    events.tally.exhausted('transaction')
    events.emit(() => ({
      type: 'retry.exhausted',
      attempts: attempt.attempt,
      elapsedMs,
      scope: 'transaction',
      error: eventError(failure),
    }))
    if (errorClass === 'occ-data' || errorClass === 'occ-schema') {
      return fail(
        'failed',
        new OccRetryExhaustedError(
          `The transaction kept conflicting with concurrent ones: ${attempt.attempt} attempts in ${Math.round(elapsedMs)} ms ` +
            `(maxAttempts ${retry.maxAttempts}, deadlineMs ${retry.deadlineMs}). Reduce contention on hot rows, ` +
            'or raise maxAttempts or deadlineMs.',
          { attempts: attempt.attempt, elapsedMs, cause: failure },
        ),
      )
    }
    return fail('failed')
  }
  events.tally.retried('transaction')
  events.emit(() => ({
    type: 'retry',
    attempt: attempt.attempt,
    delayMs,
    scope: 'transaction',
    reason: errorClass,
    error: eventError(failure),
  }))
  retry.onRetry?.(
    Object.freeze({
      error: failure,
      attempt: attempt.attempt,
      delayMs,
      elapsedMs,
      errorClass,
      scope: 'transaction' as const,
    }),
  )
  return { kind: 'retry', delayMs, unsettledCommit }
}

/** The `transaction` event that ends every transaction, whatever its outcome. */
export function transactionFinished(
  events: EventSink,
  outcome: 'committed' | 'rolled-back' | 'failed' | 'unknown',
  attempts: number,
  durationMs: number,
  readOnly: boolean,
): void {
  events.tally.transactionEnded(outcome, attempts)
  events.emit(() => ({ type: 'transaction', outcome, attempts, durationMs, readOnly }))
}
