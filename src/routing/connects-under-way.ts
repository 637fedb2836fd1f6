import type { EndpointHealth } from './endpoint-health.js'

/** A connect slower than this many times the endpoint's usual one is suspicious… */
const SLOW_CONNECT_FACTOR = 3
/** …and never sooner than this (the first connects, with nothing measured yet). */
const SLOW_CONNECT_MIN_MS = 250

/**
 * The connects under way to each endpoint, each with the way to abandon it: when an endpoint is
 * found down, its callers go to the next endpoint instead of waiting out a connect timeout (a
 * black hole answers nothing, so only a timeout would end them).
 */
export class ConnectsUnderWay {
  readonly #byEndpoint = new Map<EndpointHealth, Set<() => void>>()

  /**
   * Tracks one connect to `state`. `onSlow` runs if it takes longer than the endpoint usually
   * does. Returns the function to call when the connect settles.
   */
  track(state: EndpointHealth, abandon: () => void, onSlow: () => void): () => void {
    let pending = this.#byEndpoint.get(state)
    if (pending === undefined) {
      pending = new Set()
      this.#byEndpoint.set(state, pending)
    }
    const under = pending
    under.add(abandon)
    const slowAfterMs = Math.max(SLOW_CONNECT_MIN_MS, SLOW_CONNECT_FACTOR * (state.connectMs ?? 0))
    const timer = setTimeout(onSlow, slowAfterMs)
    timer.unref()
    return () => {
      clearTimeout(timer)
      under.delete(abandon)
    }
  }

  /** The endpoint is down: abandon every connect still under way to it. */
  abandonAll(state: EndpointHealth): void {
    const pending = this.#byEndpoint.get(state)
    if (pending !== undefined) for (const abandon of [...pending]) abandon()
  }
}
