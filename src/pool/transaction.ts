import type { TransactionOptions } from '../config/index.js'
import type { DsqlClient } from './dsql-client.js'
import type { DsqlPool, DsqlPoolClient } from './dsql-pool.js'

/**
 * `pool.transaction(fn, options)` or `client.transaction(fn, options)` as a function, for code
 * that receives either (the same shape as AWS's connector, so its call sites move over).
 */
export function transaction<T>(
  target: DsqlPool,
  fn: (client: DsqlPoolClient) => Promise<T> | T,
  options?: TransactionOptions,
): Promise<T>
export function transaction<T, C extends DsqlClient>(
  target: C,
  fn: (client: C) => Promise<T> | T,
  options?: TransactionOptions,
): Promise<T>
export function transaction<T>(
  target: DsqlPool | DsqlClient,
  fn: (client: never) => Promise<T> | T,
  options?: TransactionOptions,
): Promise<T> {
  if (typeof (target as { transaction?: unknown } | null)?.transaction !== 'function') {
    return Promise.reject(
      new TypeError(
        'transaction() needs a DsqlPool or DsqlClient; for a plain pg pool, build it as a DsqlPool.',
      ),
    )
  }
  return (target as { transaction(fn: unknown, options?: TransactionOptions): Promise<T> }).transaction(
    fn,
    options,
  )
}
