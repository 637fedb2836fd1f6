import { DsqlConfigError } from '../errors/index.js'
import { MAX_TIMER_MS } from './resolve-limits.js'
import type { RetryOptions } from './retry-options.js'
import { rejectUnknownKeys, shown } from './setting.js'

/** Retry settings, defaults filled in and checked. */
export interface ResolvedRetry {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly deadlineMs: number
  readonly signal: AbortSignal | undefined
  readonly onRetry: RetryOptions['onRetry']
  readonly shouldRetry: RetryOptions['shouldRetry']
  readonly onConflict: RetryOptions['onConflict']
  readonly idempotent: boolean
  readonly readOnly: boolean
  readonly exactlyOnce: boolean
  readonly autocommit: boolean
}

// Chosen by bench/occ-contention (32 workers on 4 hot rows; see the README's Performance
// section): short first waits keep light contention fast, doubling to a 1-second ceiling
// spreads heavy contention out, and 10 attempts within 30 s finish almost every transaction.
export const RETRY_DEFAULTS: ResolvedRetry = Object.freeze({
  maxAttempts: 10,
  baseDelayMs: 10,
  maxDelayMs: 1000,
  deadlineMs: 30_000,
  signal: undefined,
  onRetry: undefined,
  shouldRetry: undefined,
  onConflict: undefined,
  idempotent: false,
  readOnly: false,
  exactlyOnce: false,
  autocommit: true,
})

const DSQL_TRANSACTION_LIMIT_MS = 300_000

const TRANSACTION_KEYS = [
  'maxAttempts',
  'maxRetries',
  'baseDelayMs',
  'maxDelayMs',
  'deadlineMs',
  'signal',
  'onRetry',
  'shouldRetry',
  'onConflict',
  'idempotent',
  'readOnly',
  'exactlyOnce',
  'jitterFactor',
] as const satisfies readonly (keyof RetryOptions)[]
/** `autocommit` is a pool's setting: a transaction has no autocommit statements to retry. */
const POOL_KEYS = [...TRANSACTION_KEYS, 'autocommit'] as const satisfies readonly (keyof RetryOptions)[]

/**
 * Layers `options` over `base` and checks the result. `from` names where the options came from
 * (`retry`, `transaction options`), for the message.
 */
export function resolveRetryOptions(
  options: RetryOptions | false | undefined,
  base: ResolvedRetry = RETRY_DEFAULTS,
  from = 'retry',
): ResolvedRetry {
  if (options === undefined) return base
  if (options === false) return Object.freeze({ ...base, maxAttempts: 1, autocommit: false })
  if (options === null || typeof options !== 'object') {
    throw new DsqlConfigError(`${from} must be an object of retry options or false; got ${typeof options}.`, {
      option: from,
    })
  }
  rejectUnknownKeys(options, from === 'retry' ? POOL_KEYS : TRANSACTION_KEYS, from)
  const maxAttempts =
    options.maxAttempts ??
    (options.maxRetries === undefined ? undefined : options.maxRetries + 1) ??
    base.maxAttempts
  const resolved: ResolvedRetry = Object.freeze({
    maxAttempts,
    baseDelayMs: options.baseDelayMs ?? base.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? base.maxDelayMs,
    deadlineMs: options.deadlineMs ?? base.deadlineMs,
    signal: options.signal ?? base.signal,
    onRetry: options.onRetry ?? base.onRetry,
    shouldRetry: options.shouldRetry ?? base.shouldRetry,
    onConflict: options.onConflict ?? base.onConflict,
    idempotent: options.idempotent ?? base.idempotent,
    readOnly: options.readOnly ?? base.readOnly,
    exactlyOnce: options.exactlyOnce ?? base.exactlyOnce,
    autocommit: options.autocommit ?? base.autocommit,
  })
  const fail = (option: string, rule: string, value: unknown): never => {
    throw new DsqlConfigError(`${from}.${option} must be ${rule}; got ${shown(value)}.`, {
      option: `${from}.${option}`,
    })
  }
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1 || resolved.maxAttempts > 1000) {
    fail(
      options.maxAttempts === undefined ? 'maxRetries' : 'maxAttempts',
      'a whole number of attempts from 1 to 1000',
      resolved.maxAttempts,
    )
  }
  if (!isNonNegative(resolved.baseDelayMs))
    fail('baseDelayMs', 'a non-negative number of milliseconds', resolved.baseDelayMs)
  if (!isNonNegative(resolved.maxDelayMs) || resolved.maxDelayMs < resolved.baseDelayMs) {
    fail(
      'maxDelayMs',
      `a number of milliseconds at least baseDelayMs (${resolved.baseDelayMs})`,
      resolved.maxDelayMs,
    )
  }
  if (!isNonNegative(resolved.deadlineMs) || resolved.deadlineMs > DSQL_TRANSACTION_LIMIT_MS) {
    fail(
      'deadlineMs',
      `milliseconds from 0 to ${DSQL_TRANSACTION_LIMIT_MS} (DSQL's transaction limit)`,
      resolved.deadlineMs,
    )
  }
  if (resolved.signal !== undefined && !(resolved.signal instanceof AbortSignal))
    fail('signal', 'an AbortSignal', resolved.signal)
  for (const hook of ['onRetry', 'shouldRetry', 'onConflict'] as const) {
    if (resolved[hook] !== undefined && typeof resolved[hook] !== 'function')
      fail(hook, 'a function', typeof resolved[hook])
  }
  for (const flag of ['idempotent', 'readOnly', 'exactlyOnce', 'autocommit'] as const) {
    if (typeof resolved[flag] !== 'boolean') fail(flag, 'true or false', resolved[flag])
  }
  return resolved
}

/** A delay a timer can hold (see MAX_TIMER_MS). */
function isNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_TIMER_MS
}
