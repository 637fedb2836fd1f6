import { describe, expect, it } from 'vitest'
import { backoffDelayMs } from '../../../src/retry/backoff.js'

describe('backoffDelayMs', () => {
  const policy = { baseDelayMs: 10, maxDelayMs: 1000 }

  it.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [7, 640],
    [8, 1000],
    [30, 1000],
  ])('caps the window after %i failures at %i ms', (attempt, ceiling) => {
    expect(backoffDelayMs(attempt, policy, () => 0.999999)).toBe(ceiling)
    expect(backoffDelayMs(attempt, policy, () => 0)).toBe(0)
  })

  it('draws uniformly inside the window (full jitter)', () => {
    expect(backoffDelayMs(4, policy, () => 0.5)).toBe(40)
  })
})
