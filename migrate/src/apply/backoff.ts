import { setTimeout as sleep } from 'node:timers/promises'

/** How conflicts and transient failures are retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/**
 * Full-jitter exponential backoff (pg-dsql's choice: it won the driver's OCC benchmark): a
 * random delay between 0 and `min(maxDelayMs, baseDelayMs * 2^(attempt - 1))`. Pure: the
 * randomness comes in as `random`.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor(random() * ceiling)
}

/** Waits `ms` milliseconds. The runner awaits it, so it keeps the process alive as any query does. */
export function pause(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : sleep(ms)
}
