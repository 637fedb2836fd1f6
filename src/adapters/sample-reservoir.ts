/**
 * Up to `capacity` observations of one interval, in a preallocated array: past the capacity,
 * each new observation replaces a random kept one with the odds that keep the sample uniform
 * (reservoir sampling), so a busy interval costs bounded memory and bounded log lines, and its
 * percentiles stay unbiased. `seen` is the true count.
 */
export class SampleReservoir {
  readonly #values: Float64Array
  #seen = 0
  readonly #random: () => number

  constructor(capacity: number, random: () => number = Math.random) {
    this.#values = new Float64Array(capacity)
    this.#random = random
  }

  add(value: number): void {
    const capacity = this.#values.length
    if (this.#seen < capacity) this.#values[this.#seen] = value
    else {
      const slot = Math.floor(this.#random() * (this.#seen + 1))
      if (slot < capacity) this.#values[slot] = value
    }
    this.#seen++
  }

  /** The kept observations, and starts a new interval. */
  take(): number[] {
    const kept = Array.from(this.#values.subarray(0, Math.min(this.#seen, this.#values.length)))
    this.#seen = 0
    return kept
  }
}
