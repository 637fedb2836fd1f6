import { RETRY_DEFAULTS, resolveRetryOptions, type TransactionOptions } from '../config/index.js'
import { DsqlConfigError } from '../errors/index.js'
import { type DsqlEventListener, EventSink } from '../observability/index.js'
import { abortableSleep } from './abortable-sleep.js'
import { decideAfterFailure, transactionFinished } from './failure-decision.js'

/** `retryTransaction`'s options: the transaction retry options, and a listener for its events. */
export interface RetryTransactionOptions extends Omit<TransactionOptions, 'exactlyOnce' | 'readOnly'> {
  /**
   * Receives this call's events (`occ.conflict`, `retry`, `retry.exhausted`, `transaction`), as
   * a pool's `onEvent` does; they also go to the `pg-dsql:event` channel.
   */
  onEvent?: DsqlEventListener | undefined
}

/** What `fn` learns about the attempt it runs, and what it may say back. */
export interface RetryAttempt {
  /** 1 for the first run, 2 for the first retry, and so on. */
  readonly attempt: number
  /**
   * Says the ORM's transaction has begun: call it first thing in the ORM's callback. With
   * `committing()`, it sharpens the verdict on a lost connection: lost after `began()` and before
   * `committing()`, the transaction cannot have committed, so it runs again. The ORM helpers
   * (`pg-dsql/<orm>`) call both; without them, any lost connection may have hit the COMMIT.
   */
  began(): void
  /** Says the work is done and the ORM is about to COMMIT: call it as the ORM's callback returns. */
  committing(): void
}

/**
 * Runs `fn`, a whole transaction your ORM opens and commits itself (`prisma.$transaction`,
 * `db.transaction`, `knex.transaction`, ...), and runs it again from the start when that is safe:
 * after an optimistic-concurrency conflict (40001, OC000, OC001) or another failure that applied
 * nothing, with pg-dsql's backoff, attempt and deadline budget and events. The error is read
 * through the ORM's wrapper (`.cause`, `.parent`, `.original`, `.driverError`, `.previous`,
 * Prisma's adapter errors), so any ORM's error works.
 *
 * A failure that may have applied work (a connection lost, DSQL's "server unavailable") may have
 * hit the COMMIT, and from outside the ORM there is no telling: it rejects with
 * `TransactionOutcomeUnknownError`, unless you pass `idempotent: true`. DSQL has no savepoints, so
 * never call it inside another transaction; `fn` may run more than once, so keep effects outside
 * the database idempotent.
 *
 * @example
 * const order = await retryTransaction(() =>
 *   prisma.$transaction(async (tx) => {
 *     await tx.stock.update({ where: { sku }, data: { qty: { decrement: 1 } } })
 *     return tx.order.create({ data: { sku } })
 *   }),
 * )
 */
export async function retryTransaction<T>(
  fn: (attempt: RetryAttempt) => PromiseLike<T> | T,
  options: RetryTransactionOptions = {},
): Promise<T> {
  if (typeof fn !== 'function') {
    throw new TypeError('retryTransaction(fn, options) needs a function that runs the whole transaction.')
  }
  const { onEvent, ...rest } = options
  for (const unsupported of ['exactlyOnce', 'readOnly'] as const) {
    if ((rest as Record<string, unknown>)[unsupported] !== undefined) {
      throw new DsqlConfigError(
        `retryTransaction options.${unsupported} is not supported: the ORM, not pg-dsql, opens and commits ` +
          `this transaction. Use pool.transaction() for ${unsupported}, or set it in your ORM.`,
        { option: `retryTransaction options.${unsupported}` },
      )
    }
  }
  const retry = resolveRetryOptions(rest, RETRY_DEFAULTS, 'retryTransaction options')
  const events = new EventSink(onEvent)
  const startedAt = Date.now()
  /** An earlier COMMIT with no answer that nothing settled since (see decideAfterFailure). */
  let unsettledCommit: unknown
  for (let attempt = 1; ; attempt++) {
    retry.signal?.throwIfAborted()
    // Where this attempt stands, as far as fn says: unknown, inside the body, or committing.
    const at: { stage: 'unknown' | 'body' | 'commit' } = { stage: 'unknown' }
    const said: RetryAttempt = Object.freeze({
      attempt,
      began: () => {
        if (at.stage === 'unknown') at.stage = 'body'
      },
      committing: () => {
        at.stage = 'commit'
      },
    })
    try {
      const value = await fn(said)
      transactionFinished(events, 'committed', attempt, Date.now() - startedAt, false)
      return value
    } catch (failure) {
      const decision = await decideAfterFailure({
        failure,
        attempt,
        startedAt,
        // Unless fn said it failed inside the body, the ORM may have sent COMMIT.
        mayHaveCommitted: at.stage !== 'body',
        commitSeen: at.stage === 'commit',
        beforeAnything: false,
        safeToRepeat: retry.idempotent,
        unsettledCommit,
        retry,
        events,
      })
      if (decision.kind === 'throw') {
        transactionFinished(events, decision.outcome, attempt, Date.now() - startedAt, false)
        throw decision.error
      }
      unsettledCommit = decision.unsettledCommit
      await abortableSleep(decision.delayMs, retry.signal)
    }
  }
}

/**
 * An ORM transaction callback that tells `attempt` where it stands: `began()` on entry,
 * `committing()` once `fn` resolves and the ORM goes on to COMMIT. The `pg-dsql/<orm>` helpers
 * wrap their callback in it, so a connection lost inside the body runs the transaction again
 * instead of reporting an unknown outcome.
 */
export function reportingStages<Tx, T>(
  attempt: RetryAttempt,
  fn: (tx: Tx, attempt: RetryAttempt) => PromiseLike<T> | T,
): (tx: Tx) => Promise<T> {
  return async (tx) => {
    attempt.began()
    const value = await fn(tx, attempt)
    attempt.committing()
    return value
  }
}
