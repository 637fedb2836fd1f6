import pg from 'pg'
import type { DsqlPoolConfig, ResolvedEndpoint } from '../config/index.js'
import { DsqlAuthError, DsqlConfigError } from '../errors/index.js'
import { eventError } from '../observability/index.js'
import { isConnectionLoss } from './connection-errors.js'
import { ConnectionRetired, DsqlClient } from './dsql-client.js'
import { type DsqlContext, defaultContext } from './dsql-context.js'
import { type DsqlRuntime, RUNTIME } from './dsql-runtime.js'

type PoolConnectCallback = (
  error: Error | undefined,
  client?: pg.PoolClient,
  done?: (release?: unknown) => void,
) => void

/** Each connection draws its lifetime from [LIFETIME_SPREAD × max, max]. */
const LIFETIME_SPREAD = 0.85

/**
 * A `pg.Pool` for Aurora DSQL. It is a real subclass of the app's `pg.Pool`, so Prisma's
 * adapter and Drizzle accept it, and it behaves like one: same options, events, counters and
 * callbacks. On top it signs and caches IAM tokens off the query path, retires each connection
 * at its own jittered lifetime below DSQL's 60-minute cap, and absorbs the routine loss of idle
 * connections (the server closing them) instead of crashing the process.
 */
export class DsqlPool extends pg.Pool {
  readonly #runtime: DsqlRuntime

  constructor(config?: DsqlPoolConfig, context: DsqlContext = defaultContext) {
    const runtime = context.runtimeFor(config as Readonly<Record<string, unknown>> | undefined)
    super(poolOptions(runtime, config))
    this.#runtime = runtime
    const maxLifetimeMs = runtime.config.maxLifetimeSeconds * 1000
    // Start signing now, so the first connection finds a token ready.
    for (const endpoint of runtime.router.endpoints) {
      runtime.tokens.prefetch(runtime.tokenKey(endpoint, runtime.config.tokenAction))
    }
    if (maxLifetimeMs > 0) {
      this.on('connect', (client) => {
        const dsqlClient = client as unknown as DsqlClient
        const lifetimeMs = maxLifetimeMs * (LIFETIME_SPREAD + (1 - LIFETIME_SPREAD) * Math.random())
        dsqlClient.startLifetime(lifetimeMs, () => this.#recycled(dsqlClient, 'lifetime'))
      })
    }
  }

  // A refused token was dropped from the cache by the client; one more connect signs a fresh one
  // (credentials rotated, a token signed before a clock jump). A second refusal surfaces.
  override connect(): Promise<pg.PoolClient>
  override connect(callback: PoolConnectCallback): void
  override connect(callback?: PoolConnectCallback): Promise<pg.PoolClient> | undefined {
    if (callback === undefined) {
      return super.connect().catch((error: unknown) => {
        if (error instanceof DsqlAuthError) return super.connect()
        throw error
      })
    }
    super.connect((error, client, done) => {
      if (error instanceof DsqlAuthError) {
        super.connect(callback)
        return
      }
      callback(error, client, done)
    })
    return undefined
  }

  /** The resolved settings this pool runs with (frozen). */
  get dsqlConfig(): DsqlRuntime['config'] {
    return this.#runtime.config
  }

  // DSQL closes idle connections (its 60-minute cap, a Region outage). pg-pool reports an idle
  // client's error on the pool, and an unhandled 'error' event kills the process; a lost idle
  // connection is routine here, so it becomes a `connection.lost` event and the pool replaces
  // it on demand. Other idle errors still reach the app's 'error' listeners.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') {
      const [error, client] = args
      if (error instanceof ConnectionRetired) return true
      if (isConnectionLoss(error)) {
        const endpoint = (client as DsqlClient | undefined)?.endpoint
        if (endpoint !== undefined) this.#lost(endpoint, error)
        return true
      }
    }
    return super.emit(event, ...args)
  }

  #lost(endpoint: ResolvedEndpoint, error: unknown): void {
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
    this.#runtime.events.emit(() => ({
      type: 'connection.recycled',
      endpoint: endpoint.host,
      region: endpoint.region,
      reason,
      ageMs: client.ageMs,
    }))
  }
}

/**
 * What pg-pool gets: the user's pool options, the resolved connection settings (so ORMs that
 * read `pool.options` see the endpoint), our client class, and the runtime its clients share.
 */
function poolOptions(runtime: DsqlRuntime, config: DsqlPoolConfig | undefined): pg.PoolConfig {
  const Client = (config as { Client?: unknown } | undefined)?.Client ?? DsqlClient
  if (typeof Client !== 'function' || !(Client === DsqlClient || Client.prototype instanceof DsqlClient)) {
    throw new DsqlConfigError(
      'Client must be DsqlClient or a class that extends it; a plain pg.Client cannot sign DSQL tokens. ' +
        'Extend DsqlClient instead.',
      { option: 'Client' },
    )
  }
  const { config: resolved } = runtime
  const first = resolved.endpoints[0] as ResolvedEndpoint
  const options: pg.PoolConfig & Record<string | symbol, unknown> = {
    ...resolved.pgOptions,
    host: first.host,
    port: first.port,
    user: resolved.user,
    database: resolved.database,
    application_name: resolved.applicationName,
    ssl: resolved.ssl === false ? false : { ...resolved.ssl },
    idleTimeoutMillis: resolved.idleTimeoutMillis,
    // pg-pool retires at this bound too; each connection's own, earlier draw comes first.
    maxLifetimeSeconds: resolved.maxLifetimeSeconds,
    Client: Client as typeof pg.Client,
    [RUNTIME]: runtime,
  }
  // pg-pool's connectionTimeoutMillis also bounds waiting for a free client: only the user sets
  // that. The physical connect timeout (default 5 s) reaches clients through the runtime.
  const userTimeout = (config as { connectionTimeoutMillis?: number } | undefined)?.connectionTimeoutMillis
  if (userTimeout === undefined) delete options.connectionTimeoutMillis
  else options.connectionTimeoutMillis = userTimeout
  return options
}
