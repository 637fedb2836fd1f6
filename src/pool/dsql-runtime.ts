import type { TokenKey, TokenProvider } from '../auth/index.js'
import type { ResolvedConfig, ResolvedEndpoint, ResolvedRetry, TokenAction } from '../config/index.js'
import type { EventSink, EventTally } from '../observability/index.js'
import type { CommitMarkers } from '../retry/index.js'
import type { Router } from '../routing/index.js'

/**
 * What a pool or client runs with: its resolved config, its own event sink, and the state it
 * shares with every pool and client of the same configuration (see `DsqlContext`): the token
 * cache and the router. An ORM that builds a new client per connection still reuses tokens.
 */
export interface DsqlRuntime {
  readonly config: ResolvedConfig
  /** The `retry` option, resolved: every transaction's and autocommit statement's defaults. */
  readonly retry: ResolvedRetry
  /** This pool's or client's events (its own `onEvent` and the channel). */
  readonly events: EventSink
  readonly tokens: TokenProvider
  readonly router: Router
  /** Bookkeeping for `exactlyOnce` transactions: the marker table is checked once. */
  readonly markers: CommitMarkers
  /** The tallies of the shared token cache and router (token, failover and health counts). */
  readonly sharedTallies: readonly EventTally[]
  /** The token key for an endpoint and action, built once. */
  tokenKey(endpoint: ResolvedEndpoint, action: TokenAction): TokenKey
}
