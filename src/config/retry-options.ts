import type { ErrorClass } from '../errors/index.js'

/** What `onRetry` hears before each wait. Frozen; fields may be added. */
export interface RetryContext {
  readonly error: unknown
  /** The attempt that failed (1 for the first). */
  readonly attempt: number
  readonly delayMs: number
  readonly elapsedMs: number
  readonly errorClass: ErrorClass
  readonly scope: 'transaction' | 'autocommit'
}

/** What `onConflict` sees when a transaction lost an optimistic-concurrency conflict. */
export interface ConflictContext {
  readonly error: unknown
  readonly attempt: number
  readonly elapsedMs: number
  /** `data` for OC000 (a write conflict), `schema` for OC001 (a catalog change). */
  readonly kind: 'data' | 'schema'
}

/**
 * How pg-dsql retries. Set per pool (`retry`) and per call (`transaction(fn, options)`); a
 * call's options override the pool's, which override the defaults.
 */
export interface RetryOptions {
  /**
   * Attempts in all, the first included.
   * @default 10
   */
  maxAttempts?: number | undefined
  /**
   * AWS's connector name for `maxAttempts - 1`, accepted so its code moves over unchanged.
   */
  maxRetries?: number | undefined
  /**
   * The first retry waits up to this long; each later one up to twice as long (full jitter).
   * @default 10
   */
  baseDelayMs?: number | undefined
  /**
   * No wait is longer than this.
   * @default 1000
   */
  maxDelayMs?: number | undefined
  /**
   * The whole budget, first attempt to last, in milliseconds. A retry that would start after it
   * is not made. Keep it below DSQL's 300-second transaction limit.
   * @default 30000
   */
  deadlineMs?: number | undefined
  /** Stops retrying (and waiting) when aborted; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined
  /** Hears every retry before its wait: for logs and metrics. Its return value is ignored. */
  onRetry?: ((context: RetryContext) => void) | undefined
  /**
   * Decides whether a retryable failure is retried; return false to stop. Never consulted for
   * failures pg-dsql will not retry (a commit with an unknown outcome, a constraint violation).
   */
  shouldRetry?: ((error: unknown, attempt: number) => boolean) | undefined
  /**
   * Called when a transaction lost a conflict, before it is retried: return `'abort'` to stop
   * (the conflict error is thrown), or throw your own error. The place for business rules, such
   * as giving up on an order when the stock ran out meanwhile.
   */
  onConflict?: ((context: ConflictContext) => 'retry' | 'abort' | Promise<'retry' | 'abort'>) | undefined
  /**
   * The transaction may safely run twice: a COMMIT whose outcome is unknown is retried instead
   * of reported as `TransactionOutcomeUnknownError`.
   * @default false
   */
  idempotent?: boolean | undefined
  /**
   * Runs the transaction as `BEGIN READ ONLY`.
   * @default false
   */
  readOnly?: boolean | undefined
  /**
   * Makes each `transaction()` commit at most once, even when a COMMIT's outcome is unknown: a
   * marker row written in the same transaction tells afterwards whether it landed. Costs one
   * extra row per transaction (see the README).
   * @default false
   */
  exactlyOnce?: boolean | undefined
  /**
   * AWS's connector option; pg-dsql always spreads retries with full jitter. Accepted and ignored.
   */
  jitterFactor?: number | undefined
  /**
   * Pool-level only: retry autocommit statements (`pool.query()`, `client.query()` outside a
   * transaction) that lost a conflict. `false` turns it off.
   * @default true
   */
  autocommit?: boolean | undefined
}

/** Transaction options: every retry option but the pool-level `autocommit`. */
export type TransactionOptions = Omit<RetryOptions, 'autocommit'>
