import type { DsqlEvent, DsqlEventError } from './dsql-event.js'
import { eventChannel } from './event-channel.js'

/** A listener for pg-dsql events. Its return value and its exceptions are ignored. */
export type DsqlEventListener = (event: DsqlEvent) => void

/**
 * Delivers events to the `onEvent` option and the `pg-dsql:event` channel through one code
 * path. Callers on hot paths check `isActive` first and build nothing when it is false; cold
 * paths may pass a function that builds the event.
 */
export class EventSink {
  readonly #onEvent: DsqlEventListener | undefined
  #warned = false

  constructor(onEvent: DsqlEventListener | undefined) {
    this.#onEvent = onEvent
  }

  /** True when someone listens: the option is set or the channel has subscribers. */
  get isActive(): boolean {
    return this.#onEvent !== undefined || eventChannel.hasSubscribers
  }

  emit(event: DsqlEvent | (() => DsqlEvent)): void {
    const onEvent = this.#onEvent
    const toChannel = eventChannel.hasSubscribers
    if (onEvent === undefined && !toChannel) return
    const built = typeof event === 'function' ? event() : event
    if (onEvent !== undefined) {
      try {
        onEvent(built)
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
