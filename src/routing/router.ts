import type { ResolvedEndpoint, ResolvedRouting, RoutingStrategy } from '../config/index.js'
import { errorVerdict, NoHealthyEndpointError } from '../errors/index.js'
import { type EventSink, eventError } from '../observability/index.js'
import { chooseEndpoint, type Preference } from './choose-endpoint.js'
import { ConnectsUnderWay } from './connects-under-way.js'
import { EndpointHealth } from './endpoint-health.js'
import { type Probe, type ProbeResult, probeEndpoint } from './probe-endpoint.js'

/** What pools hear from the router, to move their connections. */
export type RouteChange =
  /** The endpoint failed: retire connections to it (idle ones now, busy ones when released). */
  | { readonly type: 'unhealthy'; readonly endpoint: ResolvedEndpoint }
  /** New connections now go to `endpoint`: retire connections to the others as they are released. */
  | {
      readonly type: 'preferred'
      readonly endpoint: ResolvedEndpoint
      readonly reason: 'failover' | 'failback' | 'rebalance'
    }

/** One endpoint in `pool.routing()`. */
export interface EndpointSnapshot {
  readonly host: string
  readonly region: string
  readonly address: string
  readonly port: number
  readonly healthy: boolean
  readonly preferred: boolean
  /** Smoothed probe round trip in milliseconds, undefined before the first answer. */
  readonly latencyMs: number | undefined
  /** Smoothed connect handshake in milliseconds. */
  readonly connectMs: number | undefined
  readonly lastError: string | undefined
}

/** What `pool.routing()` returns (plus each endpoint's open connections, added by the pool). */
export interface RoutingSnapshot {
  readonly strategy: RoutingStrategy
  readonly preferred: string | undefined
  readonly endpoints: readonly EndpointSnapshot[]
}

export interface RouterOptions {
  readonly endpoints: readonly ResolvedEndpoint[]
  readonly routing: ResolvedRouting
  readonly localRegion: string | undefined
  readonly events: EventSink
  readonly probe?: Probe
  readonly now?: () => number
}

/**
 * Chooses the endpoint for each new connection and keeps endpoint health: probes measure round
 * trips and find endpoints that went dark or came back; connection failures mark an endpoint
 * down at once. With one endpoint there is nothing to choose, and nothing is probed.
 */
export class Router {
  readonly #states: EndpointHealth[]
  readonly #routing: ResolvedRouting
  readonly #localRegion: string | undefined
  readonly #events: EventSink
  readonly #probe: Probe
  readonly #now: () => number
  readonly #preference: Preference = { current: undefined, challenger: undefined, rounds: 0, settled: false }
  readonly #listeners = new Set<(change: RouteChange) => void>()
  readonly #waiters = new Set<() => void>()
  #retained = 0
  #lastUsedAt = 0
  #timer: NodeJS.Timeout | undefined
  #timerDueAt = 0
  #probing = false
  #closed = false
  readonly #suspected = new Set<EndpointHealth>()
  readonly #connecting = new ConnectsUnderWay()

  constructor(options: RouterOptions) {
    this.#states = options.endpoints.map((endpoint) => new EndpointHealth(endpoint))
    this.#routing = options.routing
    this.#localRegion = options.localRegion
    this.#events = options.events
    this.#probe = options.probe ?? probeEndpoint
    this.#now = options.now ?? Date.now
    this.#evaluate(false)
  }

  /** Where new connections go now, once there is a choice. */
  get preferred(): ResolvedEndpoint | undefined {
    const index = this.#preference.current
    return index === undefined ? undefined : this.#states[index]?.endpoint
  }

  get endpoints(): readonly ResolvedEndpoint[] {
    return this.#states.map((state) => state.endpoint)
  }

  /**
   * The endpoint a new connection should use. When every endpoint is down it waits for one to
   * come back, up to `timeoutMs`, then throws NoHealthyEndpointError naming each one's last error.
   */
  choose(timeoutMs: number): ResolvedEndpoint | Promise<ResolvedEndpoint> {
    const states = this.#states
    if (states.length === 1) return (states[0] as EndpointHealth).endpoint
    this.#lastUsedAt = this.#now()
    this.#ensureProbing()
    const index = this.#evaluate(false)
    if (index !== undefined) return (states[index] as EndpointHealth).endpoint
    return this.#waitForHealthy(timeoutMs)
  }

  /**
   * A connect to `endpoint` began; `abandon` ends it. Returns the function to call when it
   * settles. A connect slower than the endpoint usually is makes the router probe it at once
   * rather than wait for the connect timeout (a black hole answers nothing); when the endpoint is
   * found down, every connect under way to it is abandoned, so its callers go to the endpoint
   * chosen next instead of waiting out their timeout.
   */
  connecting(endpoint: ResolvedEndpoint, abandon: () => void): () => void {
    const state = this.#stateOf(endpoint)
    if (state === undefined || this.#states.length === 1) return settledAlready
    return this.#connecting.track(state, abandon, () => this.suspect(endpoint))
  }

  /** A connection to `endpoint` opened in `durationMs`. */
  connected(endpoint: ResolvedEndpoint, durationMs: number): void {
    const state = this.#stateOf(endpoint)
    if (state === undefined) return
    state.connected(durationMs)
    if (!state.healthy) this.#recovered(state)
  }

  /** A connection to `endpoint` failed to open, or an open one died: the endpoint is down. */
  failed(endpoint: ResolvedEndpoint, error: unknown): void {
    this.#failed(endpoint, errorVerdict(error).reason, error)
  }

  /** `failed`, with the short reason already known (a probe gives its own). */
  #failed(endpoint: ResolvedEndpoint, reason: string, error: unknown): void {
    const state = this.#stateOf(endpoint)
    if (state === undefined || this.#states.length === 1) {
      if (state !== undefined) state.lastError = reason
      return
    }
    if (state.failed(this.#now(), reason)) {
      this.#events.tally.endpointHealth(false)
      this.#events.emit(() => ({
        type: 'endpoint.health',
        endpoint: endpoint.host,
        region: endpoint.region,
        healthy: false,
        error: eventError(error),
      }))
      this.#notify({ type: 'unhealthy', endpoint })
      this.#evaluate(false)
      this.#ensureProbing()
    }
    // Connects still waiting on a failed endpoint would wait out their whole timeout.
    this.#connecting.abandonAll(state)
  }

  /**
   * An open connection to `endpoint` died. DSQL also closes connections on purpose (its
   * 60-minute cap), so that alone proves nothing: probe the endpoint now, and mark it down only
   * if the probe fails.
   */
  suspect(endpoint: ResolvedEndpoint): void {
    const state = this.#stateOf(endpoint)
    if (state === undefined || this.#states.length === 1 || !state.healthy || this.#suspected.has(state))
      return
    this.#suspected.add(state)
    this.#probe(state.endpoint, this.#routing.probeTimeoutMs)
      .then((result) => {
        if (this.#closed) return
        if (result.ok) state.sampled(result.rttMs)
        else this.#failed(state.endpoint, result.reason, { code: probeCode(result.reason) })
      })
      .finally(() => this.#suspected.delete(state))
  }

  snapshot(): RoutingSnapshot {
    const preferred =
      this.#preference.current === undefined ? undefined : this.#states[this.#preference.current]
    return {
      strategy: this.#routing.strategy,
      preferred: preferred?.endpoint.host,
      endpoints: this.#states.map((state) => ({
        host: state.endpoint.host,
        region: state.endpoint.region,
        address: state.endpoint.address,
        port: state.endpoint.port,
        healthy: state.healthy,
        preferred: state === preferred,
        latencyMs: state.latencyMs,
        connectMs: state.connectMs,
        lastError: state.lastError,
      })),
    }
  }

  /** Pools listen for route changes to move their connections. Returns the unsubscribe. */
  subscribe(listener: (change: RouteChange) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** A pool started using this router: probe while anyone does. */
  retain(): void {
    this.#retained++
    this.#ensureProbing()
  }

  release(): void {
    this.#retained = Math.max(0, this.#retained - 1)
  }

  /** Adds endpoints found later (discovery). */
  addEndpoints(endpoints: readonly ResolvedEndpoint[]): void {
    for (const endpoint of endpoints) {
      if (!this.#states.some((state) => state.endpoint.host === endpoint.host))
        this.#states.push(new EndpointHealth(endpoint))
    }
    this.#preference.settled = false
    this.#ensureProbing(true)
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #stateOf(endpoint: ResolvedEndpoint): EndpointHealth | undefined {
    return this.#states.find((state) => state.endpoint === endpoint || state.endpoint.host === endpoint.host)
  }

  #recovered(state: EndpointHealth): void {
    state.succeeded(this.#now(), this.#routing.probeIntervalMs)
    this.#events.tally.endpointHealth(true)
    this.#events.emit(() => ({
      type: 'endpoint.health',
      endpoint: state.endpoint.host,
      region: state.endpoint.region,
      healthy: true,
      error: undefined,
    }))
    for (const wake of this.#waiters) wake()
    this.#evaluate(false)
    // Look again once it has been healthy long enough to win traffic back, even if no new
    // connection asks before then (a busy pool may not open one for a long time).
    const timer = setTimeout(() => {
      if (!this.#closed) this.#evaluate(false)
    }, this.#routing.failbackAfterMs + 1)
    timer.unref()
  }

  /** Recomputes the preferred endpoint; announces a move. */
  #evaluate(fromProbeRound: boolean): number | undefined {
    const before = this.#preference.current
    const index = chooseEndpoint(
      {
        states: this.#states,
        strategy: this.#routing.strategy,
        localRegion: this.#localRegion,
        now: this.#now(),
        failbackAfterMs: this.#routing.failbackAfterMs,
      },
      this.#preference,
      fromProbeRound,
    )
    if (index !== undefined && before !== undefined && index !== before) {
      const from = this.#states[before] as EndpointHealth
      const to = this.#states[index] as EndpointHealth
      // A move back to an endpoint that recently recovered is a failback; away from a failed one, a
      // failover; anything else (a faster endpoint, measured) a rebalance.
      const recentlyRecovered =
        to.upSince > 0 &&
        this.#now() - to.upSince <= this.#routing.failbackAfterMs + 2 * this.#routing.probeIntervalMs
      const reason = !from.healthy ? 'failover' : recentlyRecovered ? 'failback' : 'rebalance'
      if (reason !== 'rebalance') {
        this.#events.tally.routeMoved(reason)
        this.#events.emit(() => ({
          type: reason,
          from: from.endpoint.host,
          to: to.endpoint.host,
          fromRegion: from.endpoint.region,
          toRegion: to.endpoint.region,
        }))
      }
      this.#notify({ type: 'preferred', endpoint: to.endpoint, reason })
    }
    return index
  }

  #notify(change: RouteChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change)
      } catch {
        // A pool's reaction never stops the others from hearing about the change.
      }
    }
  }

  #waitForHealthy(timeoutMs: number): Promise<ResolvedEndpoint> {
    const startedAt = this.#now()
    return new Promise((resolve, reject) => {
      const wake = () => {
        const index = this.#evaluate(false)
        if (index === undefined) return
        cleanUp()
        resolve((this.#states[index] as EndpointHealth).endpoint)
      }
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              cleanUp()
              reject(this.#noHealthyEndpoint(this.#now() - startedAt))
            }, timeoutMs)
          : undefined
      const cleanUp = () => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
      }
      this.#waiters.add(wake)
    })
  }

  #noHealthyEndpoint(elapsedMs: number): NoHealthyEndpointError {
    const endpoints = this.#states.map((state) => ({
      endpoint: state.endpoint.host,
      region: state.endpoint.region,
      reason: state.lastError ?? 'unknown',
    }))
    const list = endpoints.map((e) => `${e.endpoint} (${e.region}) ${e.reason}`).join('; ')
    return new NoHealthyEndpointError(
      `No healthy DSQL endpoint after ${Math.round(elapsedMs)} ms: ${list}. Check network access to each ` +
        'endpoint (port 5432 unless given) and the endpoints option.',
      { endpoints, elapsedMs },
    )
  }

  // One timer drives every probe: it wakes at the earliest endpoint's next probe time.
  #ensureProbing(now = false): void {
    if (this.#closed || this.#states.length < 2 || this.#probing) return
    const due = now ? this.#now() : Math.min(...this.#states.map((state) => state.nextProbeAt))
    // Keep a timer that already fires in time; an endpoint that just failed wants an earlier one.
    if (this.#timer !== undefined && this.#timerDueAt <= due) return
    clearTimeout(this.#timer)
    this.#timerDueAt = due
    this.#timer = setTimeout(() => this.#probeDue(), Math.max(0, due - this.#now()))
    this.#timer.unref()
  }

  /**
   * Probes `state`. An endpoint with no latency yet (new, or just back) is probed twice and keeps
   * the faster answer: its first measurement decides routing at once (see chooseEndpoint), and a
   * single round trip stretched by a busy machine would send traffic to a far Region for the
   * three rounds the hysteresis then needs to move it back.
   */
  async #measure(state: EndpointHealth): Promise<ProbeResult> {
    const first = await this.#probe(state.endpoint, this.#routing.probeTimeoutMs)
    if (!first.ok || (state.healthy && state.latencyMs !== undefined) || this.#closed) return first
    const second = await this.#probe(state.endpoint, this.#routing.probeTimeoutMs)
    return second.ok && second.rttMs < first.rttMs ? second : first
  }

  async #probeDue(): Promise<void> {
    this.#timer = undefined
    const now = this.#now()
    const idle = this.#retained === 0 && now - this.#lastUsedAt > 2 * this.#routing.probeIntervalMs
    if (this.#closed || (idle && this.#waiters.size === 0)) return
    this.#probing = true
    const due = this.#states.filter((state) => state.nextProbeAt <= now)
    try {
      await Promise.all(
        due.map(async (state) => {
          const result = await this.#measure(state)
          if (this.#closed) return
          if (result.ok) {
            // Recovery forgets the old latency first; this answer is the first new sample.
            if (state.healthy) state.succeeded(this.#now(), this.#routing.probeIntervalMs)
            else this.#recovered(state)
            state.sampled(result.rttMs)
          } else {
            this.#failed(state.endpoint, result.reason, { code: probeCode(result.reason) })
          }
        }),
      )
    } finally {
      this.#probing = false
    }
    if (this.#closed) return
    this.#evaluate(due.some((state) => state.healthy))
    this.#ensureProbing()
  }
}

function settledAlready(): void {}

/** A probe's reason as an error code, when it is one (`ECONNREFUSED`), for events. */
function probeCode(reason: string): string | undefined {
  return /^E[A-Z]+$/.test(reason) ? reason : undefined
}
