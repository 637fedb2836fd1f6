import type { ResolvedEndpoint } from '../config/index.js'

/** Weight of a new round-trip sample in the smoothed latency. */
const EWMA_WEIGHT = 0.3
/** Probes of an endpoint that is down wait this long first, doubling up to the cap. */
const DOWN_PROBE_FIRST_MS = 250
const DOWN_PROBE_MAX_MS = 2000

/** What the router knows about one endpoint. Pure: every time comes in as an argument. */
export class EndpointHealth {
  readonly endpoint: ResolvedEndpoint
  healthy = true
  /** Smoothed probe round trip, in milliseconds; undefined until the first probe answers. */
  latencyMs: number | undefined
  /** Smoothed connect handshake (TCP, TLS, authentication), in milliseconds. */
  connectMs: number | undefined
  /** A short reason for the last failure (the error catalog's, or the probe's), never server text. */
  lastError: string | undefined
  /** When it last turned healthy (0: healthy from the start). */
  upSince = 0
  #downProbes = 0
  nextProbeAt = 0

  constructor(endpoint: ResolvedEndpoint) {
    this.endpoint = endpoint
  }

  /** A probe or a connection succeeded. Returns true when this turned the endpoint healthy. */
  succeeded(now: number, probeIntervalMs: number): boolean {
    const recovered = !this.healthy
    this.healthy = true
    this.#downProbes = 0
    if (recovered) {
      this.upSince = now
      this.latencyMs = undefined
    }
    this.nextProbeAt = now + probeIntervalMs
    return recovered
  }

  /** Records a probe round trip. */
  sampled(rttMs: number): void {
    this.latencyMs =
      this.latencyMs === undefined ? rttMs : this.latencyMs + EWMA_WEIGHT * (rttMs - this.latencyMs)
  }

  /** Records a connect handshake time, for the snapshot. */
  connected(durationMs: number): void {
    this.connectMs =
      this.connectMs === undefined ? durationMs : this.connectMs + EWMA_WEIGHT * (durationMs - this.connectMs)
  }

  /** A probe or connection failed. Returns true when this turned the endpoint unhealthy. */
  failed(now: number, reason: string): boolean {
    const wentDown = this.healthy
    this.healthy = false
    this.lastError = reason
    // Half-open: probe again soon, then back off, so a dead endpoint costs little.
    this.nextProbeAt = now + Math.min(DOWN_PROBE_MAX_MS, DOWN_PROBE_FIRST_MS * 2 ** this.#downProbes)
    this.#downProbes++
    return wentDown
  }

  /** True when it has been healthy long enough to win traffic back. */
  isStable(now: number, failbackAfterMs: number): boolean {
    return this.healthy && now - this.upSince >= failbackAfterMs
  }
}
