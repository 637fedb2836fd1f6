import type { ResolvedEndpoint } from '../config/index.js'

/**
 * Chooses the endpoint for each new connection and hears how connections went. This first
 * version prefers the first endpoint that has not failed; the routing issue replaces the choice
 * with latency, local-first and ordered strategies, probes and failback.
 */
export class Router {
  readonly #endpoints: readonly ResolvedEndpoint[]
  readonly #failedAt = new Map<ResolvedEndpoint, number>()
  readonly #now: () => number

  constructor(endpoints: readonly ResolvedEndpoint[], { now = Date.now }: { now?: () => number } = {}) {
    this.#endpoints = endpoints
    this.#now = now
  }

  get endpoints(): readonly ResolvedEndpoint[] {
    return this.#endpoints
  }

  /** The endpoint a new connection should use. */
  choose(): ResolvedEndpoint | Promise<ResolvedEndpoint> {
    let best = this.#endpoints[0] as ResolvedEndpoint
    let bestFailedAt = Number.POSITIVE_INFINITY
    for (const endpoint of this.#endpoints) {
      const failedAt = this.#failedAt.get(endpoint)
      if (failedAt === undefined) return endpoint
      if (failedAt < bestFailedAt) {
        best = endpoint
        bestFailedAt = failedAt
      }
    }
    return best
  }

  connected(endpoint: ResolvedEndpoint, _durationMs: number): void {
    this.#failedAt.delete(endpoint)
  }

  failed(endpoint: ResolvedEndpoint, _error: unknown): void {
    this.#failedAt.set(endpoint, this.#now())
  }

  close(): void {}
}
