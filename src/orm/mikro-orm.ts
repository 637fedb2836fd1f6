import { TransactionMisuseError } from '../errors/index.js'
import {
  type RetryAttempt,
  type RetryTransactionOptions,
  reportingStages,
  retryTransaction,
} from '../retry/index.js'

/**
 * The MikroORM transaction options the helpers set themselves; the rest pass through untouched.
 *
 * @example
 * await dsqlTransactional(em, fn, { transactionOptions: { propagation: 'requires_new' } })
 */
export interface MikroOrmTransactionalOptions {
  /** A fresh identity map for the transaction's fork (MikroORM's default is false). */
  clear?: boolean | undefined
  /** MikroORM's `TransactionPropagation`: `'nested'` (default), `'requires_new'`, `'not_supported'`, ... */
  propagation?: string | undefined
}

/**
 * The subset of a MikroORM `EntityManager` the helpers need: `transactional` and
 * `isInTransaction`. An `EntityManager` from `@mikro-orm/postgresql` 7 has both, so this entry
 * never imports MikroORM.
 *
 * @example
 * const em: MikroOrmEntityManagerLike = orm.em.fork()
 */
export interface MikroOrmEntityManagerLike {
  transactional<T>(cb: (em: this) => T | Promise<T>, options?: MikroOrmTransactionalOptions): Promise<T>
  isInTransaction(): boolean
}

/**
 * MikroORM's `TransactionOptions`, read off an entity manager's `transactional` method.
 *
 * @example
 * type Options = TransactionOptionsOf<EntityManager> // MikroORM's TransactionOptions
 */
export type TransactionOptionsOf<Em> = Em extends {
  transactional(cb: never, options?: infer Options): unknown
}
  ? Options
  : never

/** The helpers' options: pg-dsql's retry options, and MikroORM's own transaction options. */
export interface MikroOrmRetryOptions<Options> extends RetryTransactionOptions {
  /**
   * Passed to `em.transactional(cb, options)` on every attempt: MikroORM's `isolationLevel`
   * (DSQL runs `repeatable read` only), `readOnly`, `flushMode`, `loggerContext`, `clear`,
   * `propagation`. The helpers set `clear: true` unless you set it: see `dsqlTransactional`.
   * @default {}
   * @example
   * await dsqlTransactional(em, fn, { transactionOptions: { loggerContext: { label: 'checkout' } } })
   */
  transactionOptions?: Options | undefined
}

/** Propagations that open a transaction of their own even inside another one. */
const INDEPENDENT = new Set(['requires_new', 'not_supported'])

function refuseNesting(em: MikroOrmEntityManagerLike, propagation: string | undefined, helper: string): void {
  if (em.isInTransaction() && !INDEPENDENT.has(propagation ?? 'nested')) {
    throw new TransactionMisuseError(
      `${helper}(em, fn) was given an EntityManager inside a transaction: MikroORM would join it or nest with a ` +
        'SAVEPOINT, and DSQL has no savepoints. Retry the outer transaction instead, or pass ' +
        "transactionOptions: { propagation: 'requires_new' } for an independent one.",
    )
  }
}

/**
 * Runs `cb` in MikroORM's own transaction (`em.transactional(cb)`), and runs the whole
 * transaction again when DSQL answers a statement or the COMMIT with an optimistic-concurrency
 * conflict (`40001`, OC000, OC001), with pg-dsql's backoff, budget and events
 * (`retryTransaction`). MikroORM's `DriverException` copies the pg error's `code`, and a failed
 * COMMIT reaches you as pg's own error, so the SQLSTATE decides either way.
 *
 * Each attempt runs on a fresh fork with an empty identity map (`clear: true`, where MikroORM's
 * default is `false`): a failed attempt leaves the entities it changed looking saved, so an
 * attempt that reused them would read its own lost writes and send the wrong UPDATE (or none).
 * Load what you change inside `cb`; on success MikroORM merges the fork's entities into `em`.
 * Keep effects outside the database idempotent. A failure that may have hit the COMMIT (a lost
 * connection) rejects with `TransactionOutcomeUnknownError` unless `idempotent: true`; retries
 * that run out reject with `OccRetryExhaustedError` (`40001`).
 *
 * DSQL has no savepoints, so MikroORM's nested transactions cannot work: `em.transactional()`
 * inside `cb` nests with `SAVEPOINT` and fails with DSQL's `0A000 unsupported transaction
 * statement: SAVEPOINT`, which is not retried. An `em` already inside a transaction throws
 * `TransactionMisuseError` before anything runs, unless `propagation` is `'requires_new'` or
 * `'not_supported'`.
 *
 * @param em - A MikroORM `EntityManager` over pg-dsql (`driverOptions: { Client: createDsqlPg(options).Client }`).
 * @param cb - The transaction's work; it gets the fork and which attempt this is. MikroORM flushes after it.
 * @param options - Retry options (`maxAttempts`, `deadlineMs`, `onEvent`, ...) and MikroORM's `transactionOptions`.
 * @returns What `cb` returned on the attempt that committed.
 *
 * @example
 * import { MikroORM } from '@mikro-orm/postgresql'
 * import { createDsqlPg } from 'pg-dsql'
 * import { dsqlTransactional } from 'pg-dsql/mikro-orm'
 *
 * const orm = await MikroORM.init({ entities, dbName: 'postgres', user: 'admin',
 *   driverOptions: { Client: createDsqlPg().Client } })
 * const order = await dsqlTransactional(orm.em.fork(), async (em) => {
 *   const stock = await em.findOneOrFail(Stock, { sku })
 *   stock.qty -= 1
 *   return em.create(Order, { sku })
 * })
 */
export async function dsqlTransactional<Em extends MikroOrmEntityManagerLike, T>(
  em: Em,
  cb: (em: Em, attempt: RetryAttempt) => T | Promise<T>,
  options: MikroOrmRetryOptions<TransactionOptionsOf<Em>> = {},
): Promise<T> {
  if (typeof cb !== 'function') {
    throw new TypeError(
      "dsqlTransactional(em, cb, options) needs a function that does the transaction's work.",
    )
  }
  const { transactionOptions, ...retry } = options
  const txOptions: MikroOrmTransactionalOptions = { clear: true, ...transactionOptions }
  refuseNesting(em, txOptions.propagation, 'dsqlTransactional')
  return retryTransaction((attempt) => em.transactional(reportingStages(attempt, cb), txOptions), retry)
}

/**
 * The `em.persist(...)` then `await em.flush()` idiom, retried. `em.flush()` opens its own
 * transaction, but a flush that failed cannot be sent again: MikroORM has already marked its
 * changes as written, so a second `em.flush()` sends nothing and the work is silently lost.
 * `dsqlFlush` therefore runs `work` (which makes the changes) and the flush together, again
 * after an optimistic-concurrency conflict (`40001`, OC000, OC001), with pg-dsql's backoff,
 * budget and events.
 *
 * Each attempt is MikroORM's `em.transactional(work, { propagation: 'not_supported', clear:
 * true })`: `work` runs on a fresh fork with no transaction around it (its reads autocommit, as
 * before a plain flush), the fork's flush opens the one transaction, and on success MikroORM
 * merges the fork's entities into `em`. Load what you change inside `work`. The rules of
 * `dsqlTransactional` apply: `TransactionOutcomeUnknownError` unless `idempotent: true`,
 * `OccRetryExhaustedError` when retries run out.
 *
 * @param em - A MikroORM `EntityManager` over pg-dsql.
 * @param work - Makes the changes on the fork it gets (`create`, `persist`, `remove`, setting fields); the fork is flushed after it.
 * @param options - Retry options and MikroORM's `transactionOptions`.
 * @returns What `work` returned on the attempt whose flush committed.
 *
 * @example
 * import { dsqlFlush } from 'pg-dsql/mikro-orm'
 *
 * // before: em.create(Order, { sku }); await em.flush()
 * const order = await dsqlFlush(em, (em) => em.create(Order, { sku }))
 */
export async function dsqlFlush<Em extends MikroOrmEntityManagerLike, T>(
  em: Em,
  work: (em: Em, attempt: RetryAttempt) => T | Promise<T>,
  options: MikroOrmRetryOptions<TransactionOptionsOf<Em>> = {},
): Promise<T> {
  if (typeof work !== 'function') {
    throw new TypeError('dsqlFlush(em, work, options) needs a function that makes the changes to flush.')
  }
  const { transactionOptions, ...retry } = options
  const txOptions: MikroOrmTransactionalOptions = {
    clear: true,
    ...transactionOptions,
    propagation: 'not_supported',
  }
  // The flush (and its COMMIT) follows `work`: a connection lost inside `work` wrote nothing.
  return retryTransaction((attempt) => em.transactional(reportingStages(attempt, work), txOptions), retry)
}
