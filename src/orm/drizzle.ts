import { TransactionMisuseError } from '../errors/index.js'
import {
  type RetryAttempt,
  type RetryTransactionOptions,
  reportingStages,
  retryTransaction,
} from '../retry/index.js'

/**
 * The subset of a Drizzle database that `dsqlTransaction` needs: its `transaction` method. A
 * `drizzle({ client: new DsqlPool(options) })` database from `drizzle-orm/node-postgres` has it,
 * so this entry never imports Drizzle.
 *
 * @typeParam Tx - Drizzle's transaction object (`PgTransaction`), as `db.transaction` passes it.
 * @typeParam Config - Drizzle's transaction config (`PgTransactionConfig`).
 */
export interface DrizzleDatabaseLike<Tx, Config> {
  transaction<T>(transaction: (tx: Tx) => Promise<T>, config?: Config): Promise<T>
}

/** `dsqlTransaction`'s options: pg-dsql's retry options, and Drizzle's own transaction config. */
export interface DrizzleTransactionOptions<Config> extends RetryTransactionOptions {
  /**
   * Passed to `db.transaction(fn, config)` on every attempt: Drizzle's `accessMode`
   * (`'read only'`), `isolationLevel` (DSQL runs `repeatable read` only) or `deferrable`.
   * @default undefined
   * @example
   * await dsqlTransaction(db, (tx) => tx.select().from(orders), { config: { accessMode: 'read only' } })
   */
  config?: Config | undefined
}

/**
 * Runs `fn` in Drizzle's own transaction (`db.transaction(fn)`), and runs the whole transaction
 * again when DSQL answers a statement or the COMMIT with an optimistic-concurrency conflict
 * (`40001`, OC000, OC001), with pg-dsql's backoff, budget and events (`retryTransaction`).
 * Drizzle's `DrizzleQueryError` is read through its `cause`, so the pg error inside decides.
 *
 * `fn` may run more than once: keep effects outside the database idempotent, and return what
 * you need rather than setting outer variables. A failure that may have hit the COMMIT (a lost
 * connection) rejects with `TransactionOutcomeUnknownError` unless `idempotent: true`.
 * Retries that run out reject with `OccRetryExhaustedError` (`40001`).
 *
 * DSQL has no savepoints, so Drizzle's nested transactions cannot work: `tx.transaction()`
 * inside `fn` rejects with a `DrizzleQueryError` ("Failed query: savepoint sp1") whose `cause` is
 * DSQL's `0A000` error, the outer transaction rolls back, and it is not retried. Passing a
 * transaction (`tx`) in place of `db` throws `TransactionMisuseError` before anything runs.
 * Drizzle 0.45 sends `BEGIN` before its own `try`/`finally`: when `BEGIN` itself fails (a
 * connection lost between checkout and `BEGIN`), Drizzle never releases that connection
 * (drizzle-orm issue #6241), and `pool.end()` waits for it.
 *
 * @param db - A Drizzle database over a `DsqlPool`: `drizzle({ client: pool })`.
 * @param fn - The transaction's work; it gets Drizzle's `tx` and which attempt this is.
 * @param options - Retry options (`maxAttempts`, `deadlineMs`, `onEvent`, ...) and Drizzle's `config`.
 * @returns What `fn` returned on the attempt that committed.
 *
 * @example
 * import { drizzle } from 'drizzle-orm/node-postgres'
 * import { DsqlPool } from 'pg-dsql'
 * import { dsqlTransaction } from 'pg-dsql/drizzle'
 *
 * const db = drizzle({ client: new DsqlPool() })
 * const order = await dsqlTransaction(db, async (tx) => {
 *   await tx.update(stock).set({ qty: sql`${stock.qty} - 1` }).where(eq(stock.sku, sku))
 *   const [row] = await tx.insert(orders).values({ sku }).returning()
 *   return row
 * })
 */
export async function dsqlTransaction<Tx, T, Config = never>(
  db: DrizzleDatabaseLike<Tx, Config>,
  fn: (tx: Tx, attempt: RetryAttempt) => Promise<T>,
  options: DrizzleTransactionOptions<Config> = {},
): Promise<T> {
  if (typeof fn !== 'function') {
    throw new TypeError("dsqlTransaction(db, fn, options) needs a function that does the transaction's work.")
  }
  // A Drizzle transaction has `rollback()`; a database does not. Nesting would need SAVEPOINT.
  if (typeof (db as { rollback?: unknown }).rollback === 'function') {
    throw new TransactionMisuseError(
      'dsqlTransaction(db, fn) was given a Drizzle transaction, not a database: DSQL has no savepoints, ' +
        'so transactions cannot nest. Pass the database, or do the work on the outer transaction.',
    )
  }
  const { config, ...retry } = options
  return retryTransaction((attempt) => db.transaction(reportingStages(attempt, fn), config), retry)
}
