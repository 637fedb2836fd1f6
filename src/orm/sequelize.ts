import { TransactionMisuseError } from '../errors/index.js'
import {
  type RetryAttempt,
  type RetryTransactionOptions,
  reportingStages,
  retryTransaction,
} from '../retry/index.js'

/**
 * The subset of a `Sequelize` instance that `dsqlTransaction` needs: its `transaction` method.
 * Only the managed form (`options, callback`) is called; the three signatures mirror Sequelize
 * 6's, in its order, so TypeScript reads Sequelize's `Transaction` and `TransactionOptions` off
 * the instance and this entry never imports Sequelize.
 *
 * @typeParam Tx - Sequelize's `Transaction`, as the managed callback receives it.
 * @typeParam Options - Sequelize's `TransactionOptions`.
 * @example
 * const sequelize: SequelizeLike<Transaction, TransactionOptions> = new Sequelize({ dialect: 'postgres', ... })
 */
export interface SequelizeLike<Tx, Options> {
  transaction<T>(options: Options, autoCallback: (t: Tx) => PromiseLike<T>): Promise<T>
  transaction<T>(autoCallback: (t: Tx) => PromiseLike<T>): Promise<T>
  transaction(options?: Options): Promise<Tx>
}

/** `dsqlTransaction`'s options: pg-dsql's retry options, and Sequelize's own transaction options. */
export interface SequelizeTransactionOptions<Options> extends RetryTransactionOptions {
  /**
   * Passed to `sequelize.transaction(options, callback)` on every attempt: Sequelize's
   * `isolationLevel`, `type`, `readOnly`, `logging`. A parent `transaction` is refused (it would
   * need a savepoint).
   * @default undefined
   * @example
   * await dsqlTransaction(sequelize, fn, { transactionOptions: { logging: false } })
   */
  transactionOptions?: Options | undefined
}

/**
 * Runs `fn` in a Sequelize managed transaction (`sequelize.transaction(callback)`), and runs the
 * whole transaction again when DSQL answers a statement or the COMMIT with an
 * optimistic-concurrency conflict (`40001`, OC000, OC001), with pg-dsql's backoff, budget and
 * events (`retryTransaction`). Sequelize's `DatabaseError` is read through its `parent`, so the
 * pg error inside decides. Pass `t` to every query, as with any managed transaction (or enable
 * Sequelize's CLS).
 *
 * `fn` may run more than once. Load the rows you change inside `fn`: a model instance loaded
 * outside and saved inside counts as saved after a failed attempt, so the retry would send no
 * UPDATE. Keep effects outside the database idempotent. A failure that may have hit the COMMIT
 * (a lost connection) rejects with `TransactionOutcomeUnknownError` unless `idempotent: true`;
 * retries that run out reject with `OccRetryExhaustedError` (`40001`).
 *
 * DSQL has no savepoints, so Sequelize's nested transactions cannot work:
 * `sequelize.transaction({ transaction: t }, ...)` inside `fn` fails with a
 * `SequelizeDatabaseError` whose `parent` is DSQL's `0A000 unsupported transaction statement:
 * SAVEPOINT`, which is not retried. Passing a parent in `transactionOptions.transaction` throws
 * `TransactionMisuseError` before anything runs.
 *
 * @param sequelize - A `Sequelize` over pg-dsql: `dialectModule: createDsqlPg(options)`.
 * @param fn - The transaction's work; it gets Sequelize's `Transaction` and which attempt this is.
 * @param options - Retry options (`maxAttempts`, `deadlineMs`, `onEvent`, ...) and Sequelize's `transactionOptions`.
 * @returns What `fn` returned on the attempt that committed.
 *
 * @example
 * import { Sequelize } from 'sequelize'
 * import { createDsqlPg } from 'pg-dsql'
 * import { dsqlTransaction } from 'pg-dsql/sequelize'
 *
 * const sequelize = new Sequelize({ dialect: 'postgres', dialectModule: createDsqlPg() })
 * const order = await dsqlTransaction(sequelize, async (t) => {
 *   const item = await Stock.findByPk(sku, { transaction: t })
 *   await item.decrement('qty', { transaction: t })
 *   return Order.create({ sku }, { transaction: t })
 * })
 */
export async function dsqlTransaction<Tx, T, Options = never>(
  sequelize: SequelizeLike<Tx, Options>,
  fn: (t: Tx, attempt: RetryAttempt) => PromiseLike<T> | T,
  options: SequelizeTransactionOptions<Options> = {},
): Promise<T> {
  if (typeof fn !== 'function') {
    throw new TypeError(
      "dsqlTransaction(sequelize, fn, options) needs a function that does the transaction's work.",
    )
  }
  const { transactionOptions, ...retry } = options
  const parent = (transactionOptions as { transaction?: unknown } | undefined)?.transaction
  if (parent !== undefined && parent !== null) {
    throw new TransactionMisuseError(
      'dsqlTransaction(sequelize, fn) was given a parent transaction (transactionOptions.transaction): DSQL has ' +
        'no savepoints, so transactions cannot nest. Do the work on the outer transaction, or retry that one.',
    )
  }
  return retryTransaction(
    (attempt) => sequelize.transaction(transactionOptions as Options, reportingStages(attempt, fn)),
    retry,
  )
}
