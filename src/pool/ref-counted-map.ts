import { type ScheduleTimer, scheduleUnref } from '../auth/index.js'

/** What a `RefCountedMap` does with its values when their last user goes. */
export interface RefCountedMapOptions<V> {
  /** Frees the value for good: timers stopped, caches dropped. */
  readonly dispose: (value: V) => void
  /**
   * How long a value outlives its last user, so a user that comes back soon finds it; 0 disposes
   * at once. While it lingers, `idle` has made it passive and `revive` makes it active again.
   */
  readonly lingerMs?: (value: V) => number
  readonly idle?: (value: V) => void
  readonly revive?: (value: V) => void
  readonly schedule?: ScheduleTimer
}

interface Entry<V> {
  readonly value: V
  users: number
  cancelLinger: (() => void) | undefined
}

/**
 * Values shared by key and counted by their users: the first `acquire` of a key creates the
 * value, each `release` counts one user down, and after the last one the value is disposed of
 * (at once, or once it has lingered unused) and the key forgotten. Shared state built for one
 * configuration lives as long as someone uses it, and never longer than its linger after that.
 */
export class RefCountedMap<K, V> {
  readonly #entries = new Map<K, Entry<V>>()
  readonly #options: RefCountedMapOptions<V>
  readonly #schedule: ScheduleTimer

  constructor(options: RefCountedMapOptions<V>) {
    this.#options = options
    this.#schedule = options.schedule ?? scheduleUnref
  }

  acquire(key: K, create: () => V): V {
    let entry = this.#entries.get(key)
    if (entry === undefined) {
      entry = { value: create(), users: 0, cancelLinger: undefined }
      this.#entries.set(key, entry)
    } else if (entry.cancelLinger !== undefined) {
      entry.cancelLinger()
      entry.cancelLinger = undefined
      this.#options.revive?.(entry.value)
    }
    entry.users++
    return entry.value
  }

  release(key: K): void {
    const entry = this.#entries.get(key)
    if (entry === undefined || entry.users === 0) return
    entry.users--
    if (entry.users > 0) return
    const lingerMs = this.#options.lingerMs?.(entry.value) ?? 0
    if (lingerMs <= 0) {
      this.#forget(key, entry)
      return
    }
    this.#options.idle?.(entry.value)
    entry.cancelLinger = this.#schedule(() => this.#forget(key, entry), lingerMs)
  }

  /** Keys alive, lingering ones included; for tests and leak checks. */
  get size(): number {
    return this.#entries.size
  }

  /** Keys with at least one user. */
  get inUse(): number {
    let count = 0
    for (const entry of this.#entries.values()) if (entry.users > 0) count++
    return count
  }

  #forget(key: K, entry: Entry<V>): void {
    if (this.#entries.get(key) !== entry) return
    this.#entries.delete(key)
    this.#options.dispose(entry.value)
  }
}
