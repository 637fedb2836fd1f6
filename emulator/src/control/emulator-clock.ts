/**
 * The emulator's clock: real time moved by `setClockOffset`. Token expiry, connection age and
 * transaction age are all read from it. `realNow` comes in as a parameter, so tests can pass
 * their own.
 */
export class EmulatorClock {
  readonly #realNow: () => number
  #offsetMs = 0

  constructor(realNow: () => number = Date.now) {
    this.#realNow = realNow
  }

  /** Epoch milliseconds on the emulator's clock. */
  now(): number {
    return this.#realNow() + this.#offsetMs
  }

  /** Moves the clock `sec` seconds from real time (negative: the past). */
  setOffsetSec(sec: number): void {
    this.#offsetMs = sec * 1000
  }
}
