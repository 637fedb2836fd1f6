import { RETRY_DEFAULTS, resolveRetryOptions } from '../config/index.js'
import { type RetryTransactionOptions, retryTransaction } from '../retry/index.js'

/**
 * The part of a Prisma client `dsqlRetry` uses: `$transaction` and `$extends`. Typed by shape,
 * so this module never imports Prisma; any generated `PrismaClient` (Prisma ≥ 5) fits.
 */
export interface PrismaClientLike {
  $transaction(...args: never[]): PromiseLike<unknown>
  $extends(...args: never[]): unknown
}

/** `dsqlRetry`'s options: `retryTransaction`'s, applied to every `$transaction` of the client. */
export type DsqlRetryOptions = RetryTransactionOptions

/**
 * A Prisma client extension whose `$transaction` runs again after an optimistic-concurrency
 * conflict (40001, OC000, OC001), in both forms: the interactive one (`$transaction(async (tx)
 * => ...)`, whose callback runs again from the start with a fresh `tx`) and the batch one
 * (`$transaction([prisma.a.create(...), ...])`, whose queries are sent again). It is
 * `retryTransaction` around the client's own `$transaction`, with pg-dsql's backoff, attempt and
 * deadline budget and events; the extended client keeps its types.
 *
 * Limits: a failure that may have hit the COMMIT (a lost connection) rejects with
 * `TransactionOutcomeUnknownError` unless `idempotent: true`. DSQL has no savepoints, so
 * `tx.$transaction()` inside a transaction throws `TransactionMisuseError`. Single queries
 * outside `$transaction` need no extension: the pool retries autocommit statements itself.
 *
 * @example
 * import { PrismaPg } from '@prisma/adapter-pg'
 * import { DsqlPool } from 'pg-dsql'
 * import { dsqlRetry } from 'pg-dsql/prisma'
 * import { PrismaClient } from './generated/prisma/client.js'
 *
 * const prisma = new PrismaClient({ adapter: new PrismaPg(new DsqlPool()) }).$extends(dsqlRetry())
 * const order = await prisma.$transaction(async (tx) => {
 *   await tx.stock.update({ where: { sku }, data: { qty: { decrement: 1 } } })
 *   return tx.order.create({ data: { sku } })
 * })
 */
export function dsqlRetry(options: DsqlRetryOptions = {}): <C extends PrismaClientLike>(client: C) => C {
  const { onEvent: _onEvent, ...retry } = options
  resolveRetryOptions(retry, RETRY_DEFAULTS, 'dsqlRetry options')
  return <C extends PrismaClientLike>(client: C): C => {
    const base = client as unknown as PrismaCalls
    return base.$extends({
      name: 'pg-dsql-retry',
      client: {
        $transaction(...args: unknown[]): Promise<unknown> {
          return retryTransaction(() => base.$transaction(...args), options)
        },
      },
    }) as C
  }
}

/** How `dsqlRetry` calls the client: `$transaction` with the caller's own arguments. */
interface PrismaCalls {
  $transaction(...args: unknown[]): PromiseLike<unknown>
  $extends(extension: { name: string; client: Record<string, unknown> }): unknown
}
