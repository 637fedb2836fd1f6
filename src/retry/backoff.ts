/** The numbers behind the wait between attempts. */
export interface BackoffPolicy {
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

/**
 * The wait before attempt `attempt + 1`, after `attempt` failures: "full jitter", a uniform draw
 * from 0 to min(maxDelayMs, baseDelayMs × 2^(attempt − 1)). Spreading retries over the whole
 * window is what keeps contending writers from colliding again on the next round; `random`
 * comes in as a parameter so the curve can be tested.
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling * random())
}
