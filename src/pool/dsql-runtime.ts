import type { TokenKey, TokenProvider } from '../auth/index.js'
import type { ResolvedConfig, ResolvedEndpoint, ResolvedRetry, TokenAction } from '../config/index.js'
import type { EventSink } from '../observability/index.js'
import type { CommitMarkers } from '../retry/index.js'
import type { Router } from '../routing/index.js'

/**
 * The parts every connection of one configuration shares: the event sink, the token cache and
 * the router. Shared by every pool and client with the same endpoints, identity and token TTL
 * (see `DsqlContext`), so an ORM that builds a new client per connection still reuses tokens.
 */
export interface SharedState {
  readonly events: EventSink
  readonly tokens: TokenProvider
  readonly router: Router
  /** Bookkeeping for `exactlyOnce` transactions: the marker table is checked once. */
  readonly markers: CommitMarkers
  /** The token key for an endpoint and action, built once. */
  tokenKey(endpoint: ResolvedEndpoint, action: TokenAction): TokenKey
}

/** What a client needs to connect: its resolved config and the shared state. */
export interface DsqlRuntime extends SharedState {
  readonly config: ResolvedConfig
  /** The `retry` option, resolved: every transaction's and autocommit statement's defaults. */
  readonly retry: ResolvedRetry
}

/** @internal Carries a pool's runtime to the clients it creates, through pg-pool's options. */
export const RUNTIME = Symbol.for('pg-dsql.runtime')
