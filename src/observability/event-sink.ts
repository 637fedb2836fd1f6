import type { DsqlEvent, DsqlEventError } from './dsql-event.js'
import { eventChannel } from './event-channel.js'
import { EventTally } from './event-tally.js'

/** A listener for pg-dsql events. Its return value and its exceptions are ignored. */
export type DsqlEventListener = (event: DsqlEvent) => void

/**
 * Delivers events to its listeners (the `onEvent` option of each pool or client it serves) and
 * the `pg-dsql:event` channel through one code path; each event is built once and published to
 * the channel once. Callers on hot paths check `isActive` first and build nothing when it is
 * false; cold paths may pass a function that builds the event. Every emit site also counts in
 * `tally`, listener or not.
 */
export class EventSink {
  /** Each listener with how many users added it: a listener added twice still hears once. */
  readonly #listeners = new Map<DsqlEventListener, number>()
  #warned = false
  /**
   * The counts behind `pool.stats()`: emit sites count here first, whether or not anyone
   * listens, with a numeric increment, and build an event only when someone does.
   */
  readonly tally = new EventTally()

  constructor(onEvent?: DsqlEventListener) {
    if (onEvent !== undefined) this.add(onEvent)
  }

  /** True when someone listens: a listener is set or the channel has subscribers. */
  get isActive(): boolean {
    return this.#listeners.size > 0 || eventChannel.hasSubscribers
  }

  /** Adds a listener (shared state serves several pools); returns its removal. */
  add(listener: DsqlEventListener): () => void {
    this.#listeners.set(listener, (this.#listeners.get(listener) ?? 0) + 1)
    let removed = false
    return () => {
      if (removed) return
      removed = true
      const users = (this.#listeners.get(listener) ?? 1) - 1
      if (users === 0) this.#listeners.delete(listener)
      else this.#listeners.set(listener, users)
    }
  }

  emit(event: DsqlEvent | (() => DsqlEvent)): void {
    const toChannel = eventChannel.hasSubscribers
    if (this.#listeners.size === 0 && !toChannel) return
    const built = typeof event === 'function' ? event() : event
    for (const listener of this.#listeners.keys()) {
      try {
        listener(built)
      } catch (error) {
        // A listener's failure never changes what the driver does; say so once.
        if (!this.#warned) {
          this.#warned = true
          process.emitWarning(
            `pg-dsql: the onEvent listener threw while handling "${built.type}" (${describe(error)}); ` +
              'further listener errors are ignored silently.',
            { code: 'PG_DSQL_ON_EVENT_THREW' },
          )
        }
      }
    }
    if (toChannel) eventChannel.publish(built)
  }
}

/** Reduces an error to what events may carry: its name and code, never its message. */
export function eventError(error: unknown): DsqlEventError {
  if (error !== null && typeof error === 'object') {
    const { name, code } = error as { name?: unknown; code?: unknown }
    return {
      name: typeof name === 'string' ? name : 'Error',
      code: typeof code === 'string' ? code : undefined,
    }
  }
  return { name: typeof error, code: undefined }
}

function describe(error: unknown): string {
  const { name, code } = eventError(error)
  return code === undefined ? name : `${name} ${code}`
}
