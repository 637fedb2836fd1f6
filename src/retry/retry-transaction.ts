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

/** What `fn` learns about the attempt it runs. */
export interface RetryAttempt {
  /** 1 for the first run, 2 for the first retry, and so on. */
  readonly attempt: number
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
  fn: (attempt: RetryAttempt) => Promise<T> | T,
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
  for (let attempt = 1; ; attempt++) {
    retry.signal?.throwIfAborted()
    try {
      const value = await fn(Object.freeze({ attempt }))
      transactionFinished(events, 'committed', attempt, Date.now() - startedAt, false)
      return value
    } catch (failure) {
      const decision = await decideAfterFailure({
        failure,
        attempt,
        startedAt,
        // The ORM may have sent COMMIT; nothing out here says whether it did.
        mayHaveCommitted: true,
        beforeAnything: false,
        safeToRepeat: retry.idempotent,
        retry,
        events,
      })
      if (decision.kind === 'throw') {
        transactionFinished(events, decision.outcome, attempt, Date.now() - startedAt, false)
        throw decision.error
      }
      await abortableSleep(decision.delayMs, retry.signal)
    }
  }
}
