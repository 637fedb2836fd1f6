/** A histogram's state as `pool.stats()` reports it: cumulative since the pool started. */
export interface HistogramSnapshot {
  /** Upper bounds of the buckets, ascending; the last bucket (above the last bound) is implicit. */
  readonly boundaries: readonly number[]
  /** Observations per bucket: `counts[i]` fell in (boundaries[i-1], boundaries[i]]; one more for the overflow. */
  readonly counts: readonly number[]
  readonly sum: number
  readonly count: number
}

/** Checkout wait, connect and use times, in seconds: 0.5 ms to 10 s, as Prometheus spaces its defaults. */
export const DURATION_BUCKETS_SEC: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
])

/** Attempts a transaction took: one means it committed first time. */
export const ATTEMPT_BUCKETS: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 8, 10, 15, 20])

/**
 * A histogram with fixed buckets in preallocated arrays: recording a value allocates nothing,
 * so it can stay on the query path whether or not anyone reads it.
 */
export class FixedHistogram {
  readonly #boundaries: readonly number[]
  readonly #counts: Float64Array
  #sum = 0
  #count = 0

  constructor(boundaries: readonly number[]) {
    this.#boundaries = boundaries
    this.#counts = new Float64Array(boundaries.length + 1)
  }

  record(value: number): void {
    const boundaries = this.#boundaries
    let index = 0
    while (index < boundaries.length && value > (boundaries[index] as number)) index++
    this.#counts[index] = (this.#counts[index] as number) + 1
    this.#sum += value
    this.#count++
  }

  snapshot(): HistogramSnapshot {
    return Object.freeze({
      boundaries: this.#boundaries,
      counts: Object.freeze(Array.from(this.#counts)),
      sum: this.#sum,
      count: this.#count,
    })
  }
}
