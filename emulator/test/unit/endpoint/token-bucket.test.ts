import { describe, expect, it } from 'vitest'
import { TokenBucket } from '../../../src/endpoint/token-bucket.js'

describe('TokenBucket', () => {
  it('allows a burst, then refuses until tokens refill', () => {
    const bucket = new TokenBucket({ perSec: 100, burst: 1000, nowMs: 0 })
    const taken = Array.from({ length: 1001 }, () => bucket.tryTake(0))
    expect(taken.filter(Boolean)).toHaveLength(1000)
    expect(taken[1000]).toBe(false)
  })

  it.each([
    [10, 1],
    [25, 2],
    [1000, 100],
  ])('gains perSec tokens a second: %i ms bring %i', (elapsedMs, expected) => {
    const bucket = new TokenBucket({ perSec: 100, burst: 1000, nowMs: 0 })
    for (let i = 0; i < 1000; i++) bucket.tryTake(0)
    let taken = 0
    while (bucket.tryTake(elapsedMs)) taken++
    expect(taken).toBe(expected)
  })

  it('never holds more than the burst', () => {
    const bucket = new TokenBucket({ perSec: 100, burst: 5, nowMs: 0 })
    expect(bucket.available(3_600_000)).toBe(5)
  })

  it('adds nothing when the clock moves backwards', () => {
    const bucket = new TokenBucket({ perSec: 1, burst: 1, nowMs: 10_000 })
    expect(bucket.tryTake(10_000)).toBe(true)
    expect(bucket.tryTake(0)).toBe(false)
    expect(bucket.tryTake(10_500)).toBe(false)
    expect(bucket.tryTake(11_000)).toBe(true)
  })
})
