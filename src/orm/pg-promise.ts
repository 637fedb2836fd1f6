import { TransactionMisuseError } from '../errors/index.js'
import {
  type RetryAttempt,
  type RetryTransactionOptions,
  reportingStages,
  retryTransaction,
} from '../retry/index.js'

/**
 * The subset of a pg-promise `Database` (or task) that `dsqlTx` needs: `tx(options, callback)`,
 * and the task context a task or transaction carries. TypeScript reads the transaction's type
 * (`ITask<Ext> & Ext`) off pg-promise's last `tx` signature, so this entry never imports
 * pg-promise.
 *
 * @typeParam Tx - pg-promise's transaction object, as `db.tx` passes it.
 * @typeParam Options - pg-promise's `{ tag, mode }` transaction options.
 * @example
 * const db: PgPromiseDatabaseLike<ITask<{}>, { tag?: unknown }> = pgp({})
 */
export interface PgPromiseDatabaseLike<Tx, Options> {
  tx<T>(options: Options, cb: (t: Tx) => T | Promise<T>): Promise<T>
  /** Set on tasks and transactions, absent on a `Database`. */
  readonly ctx?: { readonly inTransaction?: boolean } | undefined
}

/** `dsqlTx`'s options: pg-dsql's retry options, and pg-promise's own transaction options. */
export interface PgPromiseTxOptions<Options> extends RetryTransactionOptions {
  /**
   * Passed to `db.tx(options, cb)` on every attempt: pg-promise's `tag` (for its events and
   * logs) and `mode` (a `TransactionMode`: `readOnly`, `deferrable`; DSQL runs `repeatable read`
   * only).
   * @default {}
   * @example
   * await dsqlTx(db, (t) => t.any('SELECT * FROM orders'), { transactionOptions: { tag: 'orders' } })
   */
  transactionOptions?: Options | undefined
}

/**
 * Runs `cb` in pg-promise's own transaction (`db.tx(cb)`), and runs the whole transaction again
 * when DSQL answers a statement or the COMMIT with an optimistic-concurrency conflict (`40001`,
 * OC000, OC001), with pg-dsql's backoff, budget and events (`retryTransaction`). pg-promise
 * rejects with pg's own error, so the SQLSTATE decides.
 *
 * `cb` may run more than once: keep effects outside the database idempotent, and return what
 * you need rather than setting outer variables. A failure that may have hit the COMMIT (a lost
 * connection) rejects with `TransactionOutcomeUnknownError` unless `idempotent: true`; retries
 * that run out reject with `OccRetryExhaustedError` (`40001`).
 *
 * DSQL has no savepoints, so pg-promise's nested transactions cannot work: `t.tx()` inside `cb`
 * sends `SAVEPOINT` and fails with DSQL's `0A000 unsupported transaction statement: SAVEPOINT`,
 * which is not retried (`t.task()` and `txIf` nest without a savepoint). Passing a transaction
 * (`t`) in place of `db` throws `TransactionMisuseError` before anything runs; a task is fine.
 *
 * @param db - A pg-promise database over pg-dsql (`pgp.pg = createDsqlPg(options)` before `pgp(cn)`), or a task.
 * @param cb - The transaction's work; it gets pg-promise's `t` and which attempt this is.
 * @param options - Retry options (`maxAttempts`, `deadlineMs`, `onEvent`, ...) and pg-promise's `transactionOptions`.
 * @returns What `cb` returned on the attempt that committed.
 *
 * @example
 * import pgPromise from 'pg-promise'
 * import { createDsqlPg } from 'pg-dsql'
 * import { dsqlTx } from 'pg-dsql/pg-promise'
 *
 * const pgp = pgPromise()
 * pgp.pg = createDsqlPg() // before pgp(cn): pg-promise then builds a DsqlPool
 * const db = pgp({})
 * const orderId = await dsqlTx(db, async (t) => {
 *   await t.none('UPDATE stock SET qty = qty - 1 WHERE sku = $1', [sku])
 *   return t.one('INSERT INTO orders (sku) VALUES ($1) RETURNING id', [sku], (row) => row.id)
 * })
 */
export async function dsqlTx<Tx, T, Options = never>(
  db: PgPromiseDatabaseLike<Tx, Options>,
  cb: (t: Tx, attempt: RetryAttempt) => T | Promise<T>,
  options: PgPromiseTxOptions<Options> = {},
): Promise<T> {
  if (typeof cb !== 'function') {
    throw new TypeError("dsqlTx(db, cb, options) needs a function that does the transaction's work.")
  }
  if (db.ctx?.inTransaction === true) {
    throw new TransactionMisuseError(
      'dsqlTx(db, cb) was given a pg-promise transaction, not a database: DSQL has no savepoints, so ' +
        'transactions cannot nest. Pass the database, or do the work on the outer transaction.',
    )
  }
  const { transactionOptions, ...retry } = options
  // pg-promise reads a function in the options position as the callback: always pass an object.
  const txOptions = (transactionOptions ?? {}) as Options
  return retryTransaction((attempt) => db.tx(txOptions, reportingStages(attempt, cb)), retry)
}
