import { createHash } from 'node:crypto'
import { createCredentialsProvider, type TokenKey, TokenProvider } from '../auth/index.js'
import {
  type CredentialsSource,
  type DsqlCredentialsProvider,
  type ResolvedConfig,
  type ResolvedEndpoint,
  resolveConfig,
} from '../config/index.js'
import { EventSink } from '../observability/index.js'
import { CommitMarkers } from '../retry/index.js'
import { discoverPeers, Router } from '../routing/index.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import { RefCountedMap } from './ref-counted-map.js'

/** A configuration's runtime, held until `release()`: the last release frees its shared state. */
export interface RuntimeLease {
  readonly runtime: DsqlRuntime
  /**
   * Ties the lease to its owner (a pool or client): if the owner is garbage-collected without
   * `end()`, the lease is released then. Call it once the owner exists.
   */
  bindTo(owner: object): void
  /** Gives the runtime back; later calls do nothing. */
  release(): void
}

/** Credentials and the token cache signed with them, shared by every configuration that uses both. */
interface TokenState {
  readonly events: EventSink
  readonly credentialsKey: string
  readonly credentials: DsqlCredentialsProvider
  readonly tokens: TokenProvider
}

/** The router (and the commit markers) of one endpoint set. */
interface RouteState {
  readonly events: EventSink
  readonly router: Router
  readonly markers: CommitMarkers
  readonly tokenKey: DsqlRuntime['tokenKey']
}

/**
 * A token cache outlives its last user by its tokens' life, at most this long, so an ORM that
 * opens and ends a client per connection reuses one token and one credential lookup. It is
 * passive meanwhile: no refresh timer runs, nothing holds the process open.
 */
const TOKEN_CACHE_LINGER_MAX_MS = 15 * 60_000

// An owner dropped without end() (an ORM's client that failed to connect, say) still gives its
// shared state back, once the garbage collector finds it.
const dropped = new FinalizationRegistry<() => void>((release) => release())

/**
 * Shares credential providers, token caches and routers between the pools and clients built
 * from one module (`createDsqlPg()`, or the package's own classes): one memoized credential
 * provider per credentials setting, never one per token; one token cache per identity and token
 * TTL; one router per endpoint set. Each is counted by its users. When the last pool or client
 * that uses it ends, its router closes (probes and timers stop) and its listeners go; a token
 * cache stays, passive, while its tokens are valid (see TOKEN_CACHE_LINGER_MAX_MS).
 */
export class DsqlContext {
  readonly #credentials = new RefCountedMap<string, DsqlCredentialsProvider>({ dispose: () => undefined })
  readonly #tokenStates = new RefCountedMap<string, TokenState>({
    lingerMs: (state) => Math.min(TOKEN_CACHE_LINGER_MAX_MS, state.tokens.ttlMs),
    idle: (state) => state.tokens.close(),
    revive: (state) => state.tokens.resume(),
    dispose: (state) => {
      state.tokens.close()
      this.#credentials.release(state.credentialsKey)
    },
  })
  readonly #routeStates = new RefCountedMap<string, RouteState>({ dispose: (state) => state.router.close() })
  readonly #ids = new WeakMap<object, number>()
  #nextId = 1

  /** Resolves `input` (options, URL, env) and leases the shared state for it. */
  acquire(input: Readonly<Record<string, unknown>> | string | undefined): RuntimeLease {
    const config = resolveConfig(input)
    const credentialsKey = this.#credentialsKey(config.credentials)
    const tokenKey = JSON.stringify([credentialsKey, config.tokenTtlSec])
    const tokenState = this.#tokenStates.acquire(tokenKey, () =>
      this.#createTokenState(config, credentialsKey),
    )
    const routeKey = JSON.stringify([
      tokenKey,
      config.endpoints.map((e) => [e.host, e.address, e.port, e.region]),
      config.routing,
      config.localRegion,
      config.tokenAction,
    ])
    const routeState = this.#routeStates.acquire(routeKey, () => this.#createRouteState(config, tokenState))
    const onEvent = config.onEvent
    const unlisten =
      onEvent === undefined ? [] : [tokenState.events.add(onEvent), routeState.events.add(onEvent)]
    let released = false
    const release = () => {
      if (released) return
      released = true
      dropped.unregister(lease)
      for (const remove of unlisten) remove()
      this.#routeStates.release(routeKey)
      this.#tokenStates.release(tokenKey)
    }
    const lease: RuntimeLease = {
      runtime: {
        config,
        retry: config.retry,
        events: new EventSink(onEvent),
        tokens: tokenState.tokens,
        router: routeState.router,
        markers: routeState.markers,
        sharedTallies: [tokenState.events.tally, routeState.events.tally],
        tokenKey: routeState.tokenKey,
      },
      bindTo: (owner) => dropped.register(owner, release, lease),
      release,
    }
    return lease
  }

  /** How many routers and token caches are in use, and how many token caches linger unused. */
  get liveStates(): { readonly routers: number; readonly tokenCaches: number; readonly lingering: number } {
    return {
      routers: this.#routeStates.size,
      tokenCaches: this.#tokenStates.inUse,
      lingering: this.#tokenStates.size - this.#tokenStates.inUse,
    }
  }

  #createTokenState(config: ResolvedConfig, credentialsKey: string): TokenState {
    const events = new EventSink()
    const credentials = this.#credentials.acquire(credentialsKey, () =>
      createCredentialsProvider(config.credentials),
    )
    const tokens = new TokenProvider({ credentials, ttlSec: config.tokenTtlSec, events })
    return { events, credentialsKey, credentials, tokens }
  }

  #createRouteState(config: ResolvedConfig, tokenState: TokenState): RouteState {
    const events = new EventSink()
    const routing = config.routing
    const router = new Router({
      endpoints: config.endpoints,
      routing,
      localRegion: config.localRegion,
      events,
    })
    if (routing.discover && config.endpoints.length === 1)
      discoverInBackground(router, tokenState.tokens, tokenState.credentials, config)
    const keys = new Map<ResolvedEndpoint, Map<string, TokenKey>>()
    return {
      events,
      router,
      markers: new CommitMarkers(),
      tokenKey(endpoint, action) {
        let byAction = keys.get(endpoint)
        if (byAction === undefined) {
          byAction = new Map()
          keys.set(endpoint, byAction)
        }
        let key = byAction.get(action)
        if (key === undefined) {
          key = Object.freeze({ host: endpoint.host, region: endpoint.region, action })
          byAction.set(action, key)
        }
        return key
      },
    }
  }

  /**
   * Credentials given as a value are keyed by a hash of that value (never the secret itself), so
   * pools built with equal literals share one provider; functions and profiles by identity.
   */
  #credentialsKey(source: CredentialsSource): string {
    switch (source.kind) {
      case 'identity':
      case 'environment': {
        const { accessKeyId, secretAccessKey, sessionToken } = source.identity
        const digest = createHash('sha256')
          .update(`${accessKeyId}\0${secretAccessKey}\0${sessionToken ?? ''}`)
          .digest('base64url')
        return `identity:${digest}`
      }
      case 'provider':
        return `provider:${this.#id(source.provider)}`
      case 'profile':
        return `profile:${source.profile}`
      case 'default':
        return 'default'
    }
  }

  /** A stable number per object, so keys can include functions by reference. */
  #id(value: object): number {
    let id = this.#ids.get(value)
    if (id === undefined) {
      id = this.#nextId++
      this.#ids.set(value, id)
    }
    return id
  }
}

/**
 * Adds the cluster's peers to the router once the control plane names them. Until then, and if
 * it cannot (no permission, no SDK), connections use the endpoint given, as without discovery.
 */
function discoverInBackground(
  router: Router,
  tokens: TokenProvider,
  credentials: DsqlCredentialsProvider,
  config: ResolvedConfig,
): void {
  const [endpoint] = config.endpoints
  if (endpoint === undefined) return
  discoverPeers(endpoint, credentials).then(
    (peers) => {
      router.addEndpoints(peers)
      for (const peer of peers)
        tokens.prefetch({ host: peer.host, region: peer.region, action: config.tokenAction })
    },
    (error: unknown) => {
      process.emitWarning(
        `pg-dsql: routing.discover could not list the peers of ${endpoint.host} ` +
          `(${error instanceof Error ? error.name : 'Error'}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}); ` +
          'routing to the given endpoint only.',
        { code: 'PG_DSQL_DISCOVERY_FAILED' },
      )
    },
  )
}

/** The context of the package's own `DsqlPool` and `DsqlClient` classes. */
export const defaultContext = new DsqlContext()
