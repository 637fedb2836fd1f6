import { describe, expect, it } from 'vitest'
import { FixedHistogram } from '../../../src/observability/index.js'

describe('FixedHistogram', () => {
  it('puts each value in the first bucket whose upper bound holds it, and the rest in the overflow', () => {
    const histogram = new FixedHistogram([1, 2, 5])
    for (const value of [0, 1, 1.5, 2, 4, 5, 6, 100]) histogram.record(value)
    expect(histogram.snapshot()).toEqual({
      boundaries: [1, 2, 5],
      counts: [2, 2, 2, 2],
      sum: 119.5,
      count: 8,
    })
  })

  it('returns a frozen copy that later records do not change', () => {
    const histogram = new FixedHistogram([1])
    const before = histogram.snapshot()
    histogram.record(0.5)
    expect(before.count).toBe(0)
    expect(Object.isFrozen(before.counts)).toBe(true)
  })
})
