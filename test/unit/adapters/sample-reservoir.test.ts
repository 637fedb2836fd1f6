import { describe, expect, it } from 'vitest'
import { SampleReservoir } from '../../../src/adapters/sample-reservoir.js'

describe('SampleReservoir', () => {
  it('keeps every observation up to its capacity, in order, and starts afresh after take()', () => {
    const reservoir = new SampleReservoir(3)
    reservoir.add(1)
    reservoir.add(2)
    expect(reservoir.take()).toEqual([1, 2])
    expect(reservoir.take()).toEqual([])
  })

  it('keeps at most its capacity, replacing kept values as reservoir sampling says', () => {
    // random() = 0 always picks slot 0: each later value replaces the first kept one.
    const reservoir = new SampleReservoir(2, () => 0)
    for (const value of [1, 2, 3, 4]) reservoir.add(value)
    expect(reservoir.take()).toEqual([4, 2])
    // random() close to 1 picks a slot past the capacity: later values are dropped.
    const dropping = new SampleReservoir(2, () => 0.99)
    for (const value of [1, 2, 3, 4]) dropping.add(value)
    expect(dropping.take()).toEqual([1, 2])
  })
})
