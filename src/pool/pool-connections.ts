import type { ResolvedEndpoint } from '../config/index.js'
import { type EndpointStats, eventError } from '../observability/index.js'
import type { EndpointSnapshot, RouteChange, RoutingSnapshot } from '../routing/index.js'
import type { ConnectionRetired, DsqlClient } from './dsql-client.js'
import type { DsqlRuntime } from './dsql-runtime.js'

/** Each connection draws its lifetime from [LIFETIME_SPREAD × max, max]. */
const LIFETIME_SPREAD = 0.85

/** `pool.routing()`: the router's view plus this pool's open connections per endpoint. */
export interface PoolRoutingSnapshot extends RoutingSnapshot {
  readonly endpoints: readonly (EndpointSnapshot & { readonly openConnections: number })[]
}

/**
 * A pool's open connections, kept to move and retire them: each draws its own lifetime below
 * DSQL's 60-minute cap (so a pool filled in a burst does not reconnect in a burst), and they
 * follow the router (away from a failed endpoint, towards the preferred one).
 */
export class PoolConnections {
  readonly #runtime: DsqlRuntime
  readonly #clients = new Set<DsqlClient>()
  readonly #maxLifetimeMs: number

  constructor(runtime: DsqlRuntime) {
    this.#runtime = runtime
    this.#maxLifetimeMs = runtime.config.maxLifetimeSeconds * 1000
  }

  /** A new connection joined the pool. */
  opened(client: DsqlClient): void {
    this.#clients.add(client)
    // Opened to an endpoint the router has since moved away from (the connect began before a
    // probe round or a failover): it serves this checkout, then goes.
    const preferred = this.#runtime.router.preferred
    if (preferred !== undefined && client.endpoint !== undefined && client.endpoint.host !== preferred.host) {
      if (client.retire('rebalance')) this.#recycled(client, 'rebalance')
    }
    if (this.#maxLifetimeMs > 0) {
      const lifetimeMs = this.#maxLifetimeMs * (LIFETIME_SPREAD + (1 - LIFETIME_SPREAD) * Math.random())
      client.startLifetime(lifetimeMs, () => this.#recycled(client, 'lifetime'))
    }
  }

  /** A connection left the pool. */
  closed(client: DsqlClient): void {
    this.#clients.delete(client)
  }

  /**
   * Follows the router: connections to an endpoint that failed are retired (idle ones now, busy
   * ones when released), and when new connections move to another endpoint, connections to the
   * others are retired as they are released, so traffic follows within one checkout.
   */
  follow(change: RouteChange): void {
    const reason =
      change.type === 'unhealthy' ? 'unhealthy' : change.reason === 'failback' ? 'failback' : 'rebalance'
    for (const client of this.#clients) {
      const host = client.endpoint?.host
      if (host === undefined) continue
      const stale =
        change.type === 'unhealthy' ? host === change.endpoint.host : host !== change.endpoint.host
      if (stale && client.retire(reason)) this.#recycled(client, reason)
    }
  }

  /** The router's snapshot with this pool's open connections to each endpoint. */
  snapshot(): PoolRoutingSnapshot {
    const snapshot = this.#runtime.router.snapshot()
    const open = new Map<string, number>()
    for (const client of this.#clients) {
      const host = client.endpoint?.host
      if (host !== undefined) open.set(host, (open.get(host) ?? 0) + 1)
    }
    return {
      ...snapshot,
      endpoints: snapshot.endpoints.map((endpoint) => ({
        ...endpoint,
        openConnections: open.get(endpoint.host) ?? 0,
      })),
    }
  }

  /** Each endpoint with this pool's open and checked-out connections to it, for `pool.stats()`. */
  endpointStats(): EndpointStats[] {
    const open = new Map<string, { open: number; used: number }>()
    for (const client of this.#clients) {
      const host = client.endpoint?.host
      if (host === undefined) continue
      const counts = open.get(host) ?? { open: 0, used: 0 }
      counts.open++
      if (client.isCheckedOut) counts.used++
      open.set(host, counts)
    }
    return this.#runtime.router.snapshot().endpoints.map((endpoint) => ({
      host: endpoint.host,
      region: endpoint.region,
      port: endpoint.port,
      healthy: endpoint.healthy,
      preferred: endpoint.preferred,
      latencyMs: endpoint.latencyMs,
      openConnections: open.get(endpoint.host)?.open ?? 0,
      usedConnections: open.get(endpoint.host)?.used ?? 0,
    }))
  }

  /** An idle connection was closed under the pool (the server, the network). */
  lost(endpoint: ResolvedEndpoint, error: unknown): void {
    this.#runtime.events.tally.connectionLost()
    this.#runtime.events.emit(() => ({
      type: 'connection.lost',
      endpoint: endpoint.host,
      region: endpoint.region,
      error: eventError(error),
    }))
  }

  #recycled(client: DsqlClient, reason: ConnectionRetired['reason']): void {
    const endpoint = client.endpoint
    if (endpoint === undefined) return
    this.#runtime.events.tally.connectionRecycled()
    this.#runtime.events.emit(() => ({
      type: 'connection.recycled',
      endpoint: endpoint.host,
      region: endpoint.region,
      reason,
      ageMs: client.ageMs,
    }))
  }
}
