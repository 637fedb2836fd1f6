import { TransactionMisuseError } from '../errors/index.js'
import {
  type RetryAttempt,
  type RetryTransactionOptions,
  reportingStages,
  retryTransaction,
} from '../retry/index.js'

/**
 * The subset of a TypeORM `DataSource` (or `EntityManager`) that `dsqlTransaction` needs: its
 * `transaction` method. Only the first signature is called; the second, TypeORM's
 * isolation-level form, lets TypeScript read the `EntityManager` type off the data source, so
 * this entry never imports TypeORM. `queryRunner` is read to refuse an entity manager that is
 * already inside a transaction.
 *
 * @typeParam Manager - TypeORM's `EntityManager`, as `transaction(fn)` passes it.
 *
 * @example
 * // A DataSource fits, and so does its manager outside a transaction.
 * const source: TypeormTransactionSource<EntityManager> = dataSource
 */
export interface TypeormTransactionSource<Manager> {
  transaction<T>(runInTransaction: (manager: Manager) => Promise<T>): Promise<T>
  transaction<T>(isolationLevel: never, runInTransaction: (manager: Manager) => Promise<T>): Promise<T>
  readonly queryRunner?: { readonly isTransactionActive?: boolean } | undefined
}

/**
 * Runs `fn` in TypeORM's own transaction (`dataSource.transaction(fn)`), and runs the whole
 * transaction again when DSQL answers a statement or the COMMIT with an optimistic-concurrency
 * conflict (`40001`, OC000, OC001), with pg-dsql's backoff, budget and events
 * (`retryTransaction`). TypeORM's `QueryFailedError` is read through its `driverError`, so the
 * pg error inside decides.
 *
 * `repository.save()`, `remove()` and `manager.save()` called outside a transaction open one of
 * their own, which a conflict fails the same way. Do them through the manager `fn` gets
 * (`manager.save(entity)`, `manager.withRepository(repository).save(entity)`), so they join
 * this transaction and are retried with it; or wrap the single call:
 * `retryTransaction(() => repository.save(entity))` from `pg-dsql`.
 *
 * `fn` may run more than once: keep effects outside the database idempotent, and return what
 * you need rather than setting outer variables. A failure that may have hit the COMMIT (a lost
 * connection) rejects with `TransactionOutcomeUnknownError` unless `idempotent: true`. Retries
 * that run out reject with `OccRetryExhaustedError` (`40001`).
 *
 * DSQL has no savepoints, so TypeORM's nested transactions cannot work: `manager.transaction()`
 * inside `fn` rejects with a `QueryFailedError` whose `driverError` is DSQL's `0A000
 * unsupported transaction statement: SAVEPOINT`, the outer transaction rolls back, and it is not
 * retried. Passing a manager that is already inside a transaction in place of the data source
 * throws `TransactionMisuseError` before anything runs.
 *
 * @param source - A `DataSource` over pg-dsql (`driver: createDsqlPg(options)`), or its `manager`.
 * @param fn - The transaction's work; it gets TypeORM's `EntityManager` and which attempt this is.
 * @param options - Retry options: `maxAttempts`, `deadlineMs`, `idempotent`, `onEvent`, ...
 * @returns What `fn` returned on the attempt that committed.
 *
 * @example
 * import { DataSource } from 'typeorm'
 * import { createDsqlPg } from 'pg-dsql'
 * import { dsqlTransaction } from 'pg-dsql/typeorm'
 *
 * const dataSource = new DataSource({ type: 'postgres', driver: createDsqlPg(), installExtensions: false, entities })
 * const order = await dsqlTransaction(dataSource, async (manager) => {
 *   await manager.decrement(Stock, { sku }, 'qty', 1)
 *   return manager.save(Order, { sku })
 * })
 */
export async function dsqlTransaction<Manager, T>(
  source: TypeormTransactionSource<Manager>,
  fn: (manager: Manager, attempt: RetryAttempt) => Promise<T> | T,
  options: RetryTransactionOptions = {},
): Promise<T> {
  if (typeof fn !== 'function') {
    throw new TypeError(
      "dsqlTransaction(dataSource, fn, options) needs a function that does the transaction's work.",
    )
  }
  if (source.queryRunner?.isTransactionActive === true) {
    throw new TransactionMisuseError(
      'dsqlTransaction(manager, fn) was given an entity manager already inside a transaction: DSQL has no ' +
        'savepoints, so transactions cannot nest. Do the work on that manager, or retry the outer transaction.',
    )
  }
  return retryTransaction((attempt) => source.transaction(reportingStages(attempt, fn)), options)
}
