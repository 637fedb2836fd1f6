import { describe, expect, it } from 'vitest'
import { RefCountedMap } from '../../../src/pool/ref-counted-map.js'

/** A hand-driven clock for the linger timer. */
function manualTimers() {
  const pending = new Set<{ callback: () => void; delayMs: number }>()
  return {
    pending,
    schedule: (callback: () => void, delayMs: number) => {
      const timer = { callback, delayMs }
      pending.add(timer)
      return () => pending.delete(timer)
    },
    fireAll: () => {
      for (const timer of [...pending]) {
        pending.delete(timer)
        timer.callback()
      }
    },
  }
}

describe('RefCountedMap', () => {
  it('creates a value once per key and disposes of it with its last user', () => {
    const disposed: string[] = []
    const map = new RefCountedMap<string, { name: string }>({ dispose: (value) => disposed.push(value.name) })
    const a = map.acquire('k', () => ({ name: 'a' }))
    const b = map.acquire('k', () => ({ name: 'b' }))
    expect(b).toBe(a)
    map.release('k')
    expect(disposed).toEqual([])
    map.release('k')
    expect(disposed).toEqual(['a'])
    expect(map.size).toBe(0)
    map.release('k') // an extra release of a forgotten key does nothing
    expect(disposed).toEqual(['a'])
  })

  it('lets a value linger passive after its last user, revives it on a new user, and disposes of it after the linger', () => {
    const timers = manualTimers()
    const log: string[] = []
    const map = new RefCountedMap<string, string>({
      lingerMs: () => 1000,
      idle: (value) => log.push(`idle ${value}`),
      revive: (value) => log.push(`revive ${value}`),
      dispose: (value) => log.push(`dispose ${value}`),
      schedule: timers.schedule,
    })
    map.acquire('k', () => 'v')
    map.release('k')
    expect(log).toEqual(['idle v'])
    expect([...timers.pending].map((timer) => timer.delayMs)).toEqual([1000])
    expect(map.acquire('k', () => 'new')).toBe('v')
    expect(log).toEqual(['idle v', 'revive v'])
    expect(timers.pending.size).toBe(0)
    map.release('k')
    timers.fireAll()
    expect(log).toEqual(['idle v', 'revive v', 'idle v', 'dispose v'])
    expect(map.size).toBe(0)
    expect(map.acquire('k', () => 'fresh')).toBe('fresh')
  })
})
