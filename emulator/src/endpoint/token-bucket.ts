/**
 * A token bucket: holds up to `burst` tokens and gains `perSec` tokens a second. DSQL limits
 * new connections this way (100 a second, bursts of 1,000). Pure: time comes in as `nowMs`,
 * which must be monotonic (the emulator passes `performance.now()`, never its own clock: a
 * clock wound back would leave the bucket empty for as long as it had been ahead).
 */
export class TokenBucket {
  readonly #perSec: number
  readonly #burst: number
  #tokens: number
  #updatedMs: number

  constructor(options: { perSec: number; burst: number; nowMs: number }) {
    this.#perSec = options.perSec
    this.#burst = options.burst
    this.#tokens = options.burst
    this.#updatedMs = options.nowMs
  }

  /** Takes one token if there is one; returns whether it did. */
  tryTake(nowMs: number): boolean {
    this.#refill(nowMs)
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** Tokens available at `nowMs` (fractional). */
  available(nowMs: number): number {
    this.#refill(nowMs)
    return this.#tokens
  }

  #refill(nowMs: number): void {
    // A clock that moves backwards (setClockOffset) neither adds nor removes tokens.
    const elapsedMs = Math.max(0, nowMs - this.#updatedMs)
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs * this.#perSec) / 1000)
    this.#updatedMs = Math.max(this.#updatedMs, nowMs)
  }
}
