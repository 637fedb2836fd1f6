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
import type { DsqlRuntime, SharedState } from './dsql-runtime.js'

/**
 * Shares credential providers and token caches between the pools and clients built from one
 * module (`createDsqlPg()`, or the package's own classes). One memoized credential provider per
 * credentials setting, never one per token; one token cache per endpoint set and identity.
 */
export class DsqlContext {
  readonly #credentials = new Map<unknown, DsqlCredentialsProvider>()
  readonly #shared = new Map<string, SharedState>()
  readonly #ids = new WeakMap<object, number>()
  #nextId = 1

  /** Resolves `input` (options, URL, env) and attaches the shared state for it. */
  runtimeFor(input: Readonly<Record<string, unknown>> | string | undefined): DsqlRuntime {
    const config = resolveConfig(input)
    return { ...this.sharedFor(config), config, retry: config.retry }
  }

  sharedFor(config: ResolvedConfig): SharedState {
    const key = JSON.stringify([
      config.endpoints.map((e) => [e.host, e.address, e.port, e.region]),
      this.#credentialsKey(config.credentials),
      config.tokenTtlSec,
      this.#id(config.onEvent),
      JSON.stringify(config.routing ?? null, (_key, value) =>
        typeof value === 'function' ? this.#id(value) : value,
      ),
    ])
    let shared = this.#shared.get(key)
    if (shared === undefined) {
      shared = this.#createShared(config)
      this.#shared.set(key, shared)
    }
    return shared
  }

  #createShared(config: ResolvedConfig): SharedState {
    const events = new EventSink(config.onEvent)
    const credentialsKey = this.#credentialsKey(config.credentials)
    let credentials = this.#credentials.get(credentialsKey)
    if (credentials === undefined) {
      credentials = createCredentialsProvider(config.credentials)
      this.#credentials.set(credentialsKey, credentials)
    }
    const tokens = new TokenProvider({ credentials, ttlSec: config.tokenTtlSec, events })
    const routing = config.routing
    const router = new Router({
      endpoints: config.endpoints,
      routing,
      localRegion: config.localRegion,
      events,
    })
    if (routing.discover && config.endpoints.length === 1)
      discoverInBackground(router, tokens, credentials, config)
    const keys = new Map<ResolvedEndpoint, Map<string, TokenKey>>()
    return {
      events,
      tokens,
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

  #credentialsKey(source: CredentialsSource): unknown {
    switch (source.kind) {
      case 'identity':
        return `identity:${this.#id(source.identity)}`
      case 'provider':
        return `provider:${this.#id(source.provider)}`
      case 'profile':
        return `profile:${source.profile}`
      case 'default':
        return 'default'
    }
  }

  /** A stable number per object, so keys can include functions and identities by reference. */
  #id(value: unknown): number | null {
    if (value === undefined || value === null || (typeof value !== 'object' && typeof value !== 'function'))
      return null
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
