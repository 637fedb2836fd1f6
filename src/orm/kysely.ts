import { TransactionMisuseError } from '../errors/index.js'
import {
  type RetryAttempt,
  type RetryTransactionOptions,
  reportingStages,
  retryTransaction,
} from '../retry/index.js'

/**
 * The subset of Kysely's `TransactionBuilder` that `dsqlTransaction` needs: `execute(callback)`,
 * which opens a transaction, runs the callback and commits. A builder can run any number of
 * transactions, so one configured with `setAccessMode` or `setIsolationLevel` runs every attempt.
 *
 * @typeParam Trx - Kysely's `Transaction<DB>`, as `execute` passes it.
 */
export interface KyselyTransactionBuilderLike<Trx> {
  execute<T>(callback: (trx: Trx) => Promise<T>): Promise<T>
}

/**
 * The subset of a `Kysely<DB>` instance that `dsqlTransaction` needs: `transaction()`. A
 * `new Kysely({ dialect: new PostgresDialect({ pool: new DsqlPool(options) }) })` has it, so this
 * entry never imports Kysely.
 *
 * @typeParam Trx - Kysely's `Transaction<DB>`.
 */
export interface KyselyLike<Trx> {
  transaction(): KyselyTransactionBuilderLike<Trx>
}

/**
 * Runs `fn` in Kysely's own transaction (`db.transaction().execute(fn)`), and runs the whole
 * transaction again when DSQL answers a statement or the COMMIT with an optimistic-concurrency
 * conflict (`40001`, OC000, OC001), with pg-dsql's backoff, budget and events
 * (`retryTransaction`). Kysely passes pg's `DatabaseError` through unwrapped.
 *
 * `fn` may run more than once: keep effects outside the database idempotent, and return what
 * you need rather than setting outer variables. A failure that may have hit the COMMIT (a lost
 * connection) rejects with `TransactionOutcomeUnknownError` unless `idempotent: true`.
 * Retries that run out reject with `OccRetryExhaustedError` (`40001`).
 *
 * For an access mode or isolation level, pass the configured builder in place of `db`:
 * `dsqlTransaction(db.transaction().setAccessMode('read only'), fn)`. Controlled transactions
 * (`db.startTransaction()`) commit in your code, not Kysely's: wrap that code in
 * `retryTransaction` from `pg-dsql` instead.
 *
 * DSQL has no savepoints. Kysely refuses `trx.transaction()` itself (a plain `Error`, "calling
 * the transaction method for a Transaction is not supported"), and a controlled transaction's
 * `savepoint()` fails with DSQL's `0A000` error; neither is retried. Passing a transaction
 * (`trx`) in place of `db` throws `TransactionMisuseError` before anything runs.
 *
 * @param db - A `Kysely<DB>` over a `DsqlPool`, or one of its transaction builders.
 * @param fn - The transaction's work; it gets Kysely's `trx` and which attempt this is.
 * @param options - Retry options: `maxAttempts`, `deadlineMs`, `idempotent`, `onEvent`, ...
 * @returns What `fn` returned on the attempt that committed.
 *
 * @example
 * import { Kysely, PostgresDialect } from 'kysely'
 * import { DsqlPool } from 'pg-dsql'
 * import { dsqlTransaction } from 'pg-dsql/kysely'
 *
 * const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new DsqlPool() }) })
 * const order = await dsqlTransaction(db, async (trx) => {
 *   await trx.updateTable('stock').set((eb) => ({ qty: eb('qty', '-', 1) })).where('sku', '=', sku).execute()
 *   return trx.insertInto('orders').values({ sku }).returningAll().executeTakeFirstOrThrow()
 * })
 */
export async function dsqlTransaction<Trx, T>(
  db: KyselyLike<Trx> | KyselyTransactionBuilderLike<Trx>,
  fn: (trx: Trx, attempt: RetryAttempt) => Promise<T>,
  options: RetryTransactionOptions = {},
): Promise<T> {
  if (typeof fn !== 'function') {
    throw new TypeError("dsqlTransaction(db, fn, options) needs a function that does the transaction's work.")
  }
  // Kysely's Transaction (and ControlledTransaction) says so; nesting would need SAVEPOINT.
  if ((db as { isTransaction?: unknown }).isTransaction === true) {
    throw new TransactionMisuseError(
      'dsqlTransaction(db, fn) was given a Kysely transaction, not a database: DSQL has no savepoints, ' +
        'so transactions cannot nest. Pass the Kysely instance, or do the work on the outer transaction.',
    )
  }
  const builder = (): KyselyTransactionBuilderLike<Trx> =>
    'transaction' in db && typeof db.transaction === 'function'
      ? db.transaction()
      : (db as KyselyTransactionBuilderLike<Trx>)
  return retryTransaction((attempt) => builder().execute(reportingStages(attempt, fn)), options)
}
