import { resolveRetryOptions, type TransactionOptions } from '../config/index.js'
import type { RetryTarget, TransactionClient } from './retry-target.js'
import { runTransaction } from './transaction-runner.js'

/**
 * `pool.transaction(fn, options)` and `client.transaction(fn, options)`: the call's options over
 * the target's own retry settings, then the one transaction runner.
 */
export function transactionOn<C extends TransactionClient, T>(
  target: RetryTarget<C>,
  fn: (client: C) => Promise<T> | T,
  options: TransactionOptions | undefined,
): Promise<T> {
  let retry: ReturnType<typeof resolveRetryOptions>
  try {
    retry = resolveRetryOptions(options, target.retry, 'transaction options')
  } catch (error) {
    return Promise.reject(error)
  }
  return runTransaction(target, fn, { retry, events: target.events, markers: target.markers })
}
