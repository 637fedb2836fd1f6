import { TransactionMisuseError } from '../errors/index.js'
import {
  type RetryAttempt,
  type RetryTransactionOptions,
  reportingStages,
  retryTransaction,
} from '../retry/index.js'

/**
 * The subset of a Knex instance that `dsqlTransaction` needs: `transaction(handler, config)`, the
 * form that commits when the handler's promise resolves. A
 * `knex({ client: 'pg', connectionPool: new DsqlPool(options) })` instance has it, so this entry
 * never imports Knex.
 *
 * @typeParam Trx - Knex's `Knex.Transaction`, as `transaction` passes it.
 * @typeParam Config - Knex's `Knex.TransactionConfig`.
 */
export interface KnexLike<Trx, Config> {
  transaction<T>(handler: (trx: Trx) => Promise<T>, config?: Config): Promise<T>
}

/** `dsqlTransaction`'s options: pg-dsql's retry options, and Knex's own transaction config. */
export interface KnexTransactionOptions<Config> extends RetryTransactionOptions {
  /**
   * Passed to `knex.transaction(handler, config)` on every attempt: Knex's `readOnly: true`, or
   * `isolationLevel` (DSQL runs `repeatable read` only).
   * @default undefined
   * @example
   * await dsqlTransaction(knex, (trx) => trx('orders').select(), { config: { readOnly: true } })
   */
  config?: Config | undefined
}

/**
 * Runs `fn` in Knex's own transaction (`knex.transaction(handler)`), and runs the whole
 * transaction again when DSQL answers a statement or the COMMIT with an optimistic-concurrency
 * conflict (`40001`, OC000, OC001), with pg-dsql's backoff, budget and events
 * (`retryTransaction`). Knex passes pg's `DatabaseError` through (with the SQL put in front of
 * its message), so its `code` decides.
 *
 * `fn` may run more than once: keep effects outside the database idempotent, and return what
 * you need rather than setting outer variables. Let Knex commit when `fn` resolves; a
 * `trx.commit()` or `trx.rollback()` of your own inside `fn` ends the attempt early. A failure
 * that may have hit the COMMIT (a lost connection) rejects with
 * `TransactionOutcomeUnknownError` unless `idempotent: true`. Retries that run out reject with
 * `OccRetryExhaustedError` (`40001`).
 *
 * DSQL has no savepoints, so Knex's nested transactions cannot work: `trx.transaction()` inside
 * `fn` rejects with pg's `DatabaseError` `0A000` from DSQL (Knex sends `SAVEPOINT`), the outer
 * transaction rolls back, and it is not retried. Passing a transaction (`trx`) in place of
 * `knex` throws `TransactionMisuseError` before anything runs.
 *
 * @param knex - A Knex instance over a `DsqlPool`: `knex({ client: 'pg', connectionPool: pool })`.
 * @param fn - The transaction's work; it gets Knex's `trx` and which attempt this is.
 * @param options - Retry options (`maxAttempts`, `deadlineMs`, `onEvent`, ...) and Knex's `config`.
 * @returns What `fn` returned on the attempt that committed.
 *
 * @example
 * import knexFactory from 'knex'
 * import { DsqlPool } from 'pg-dsql'
 * import { dsqlTransaction } from 'pg-dsql/knex'
 *
 * const pool = new DsqlPool()
 * const knex = knexFactory({ client: 'pg', connectionPool: pool })
 * const [order] = await dsqlTransaction(knex, async (trx) => {
 *   await trx('stock').where({ sku }).decrement('qty', 1)
 *   return trx('orders').insert({ sku }).returning('*')
 * })
 */
export async function dsqlTransaction<Trx, T, Config = never>(
  knex: KnexLike<Trx, Config>,
  fn: (trx: Trx, attempt: RetryAttempt) => Promise<T>,
  options: KnexTransactionOptions<Config> = {},
): Promise<T> {
  if (typeof fn !== 'function') {
    throw new TypeError(
      "dsqlTransaction(knex, fn, options) needs a function that does the transaction's work.",
    )
  }
  // A Knex transaction says so; nesting would need SAVEPOINT.
  if ((knex as { isTransaction?: unknown }).isTransaction === true) {
    throw new TransactionMisuseError(
      'dsqlTransaction(knex, fn) was given a Knex transaction, not a Knex instance: DSQL has no savepoints, ' +
        'so transactions cannot nest. Pass the Knex instance, or do the work on the outer transaction.',
    )
  }
  const { config, ...retry } = options
  return retryTransaction((attempt) => knex.transaction(reportingStages(attempt, fn), config), retry)
}
