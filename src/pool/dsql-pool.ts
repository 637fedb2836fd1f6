import pg from 'pg'
import type { DsqlPoolConfig, ResolvedEndpoint } from '../config/index.js'
import { DsqlAuthError, DsqlConfigError } from '../errors/index.js'
import { eventError } from '../observability/index.js'
import {
  autocommitRetryDelay,
  isConnectionLoss,
  isReadOnlyStatement,
  resolveRetryOptions,
  runTransaction,
  type TransactionOptions,
  type TransactionTarget,
} from '../retry/index.js'
import type { EndpointSnapshot, RouteChange, RoutingSnapshot } from '../routing/index.js'
import { ConnectionRetired, DsqlClient } from './dsql-client.js'
import { type DsqlContext, defaultContext } from './dsql-context.js'
import { type DsqlRuntime, RUNTIME } from './dsql-runtime.js'

/** `pool.routing()`: the router's view plus this pool's open connections per endpoint. */
export interface PoolRoutingSnapshot extends RoutingSnapshot {
  readonly endpoints: readonly (EndpointSnapshot & { readonly openConnections: number })[]
}

/** A checked-out connection: pg's PoolClient, and a DsqlClient. */
export type DsqlPoolClient = pg.PoolClient & DsqlClient

type PoolConnectCallback = (
  error: Error | undefined,
  client?: DsqlPoolClient,
  done?: (release?: unknown) => void,
) => void
type QueryCallback = (error: Error | null | undefined, result?: pg.QueryResult) => void
type QueryFunction = (this: pg.Pool, text: unknown, values?: unknown, callback?: unknown) => unknown

const pgPoolQuery = pg.Pool.prototype.query as unknown as QueryFunction
const pgQuery = pg.Client.prototype.query as unknown as (
  this: pg.Client,
  text: unknown,
  values?: unknown,
  callback?: unknown,
) => unknown

/** The SQL text of a query given as text or as a config object. */
function isReadOnlyQuery(query: unknown): boolean {
  const text = typeof query === 'string' ? query : (query as { text?: unknown } | null)?.text
  return typeof text === 'string' && isReadOnlyStatement(text)
}

function isServerUnavailable(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'XX000'
}

/** The runner hears a leased connection's failure through its failed query. */
function ignoreLeaseError(): void {}

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
  /** This pool's open connections, to route and retire them. */
  readonly #clients = new Set<DsqlClient>()
  readonly #unsubscribe: () => void

  constructor(config?: DsqlPoolConfig, context: DsqlContext = defaultContext) {
    const runtime = context.runtimeFor(config as Readonly<Record<string, unknown>> | undefined)
    super(poolOptions(runtime, config))
    this.#runtime = runtime
    const maxLifetimeMs = runtime.config.maxLifetimeSeconds * 1000
    // Start signing now, so the first connection finds a token ready.
    for (const endpoint of runtime.router.endpoints) {
      runtime.tokens.prefetch(runtime.tokenKey(endpoint, runtime.config.tokenAction))
    }
    this.on('connect', (client) => {
      const dsqlClient = client as unknown as DsqlClient
      this.#clients.add(dsqlClient)
      if (maxLifetimeMs > 0) {
        const lifetimeMs = maxLifetimeMs * (LIFETIME_SPREAD + (1 - LIFETIME_SPREAD) * Math.random())
        dsqlClient.startLifetime(lifetimeMs, () => this.#recycled(dsqlClient, 'lifetime'))
      }
    })
    this.on('remove', (client) => this.#clients.delete(client as unknown as DsqlClient))
    runtime.router.retain()
    this.#unsubscribe = runtime.router.subscribe((change) => this.#moveConnections(change))
  }

  /**
   * Where this pool's connections go: each endpoint's Region, health, smoothed latency, this
   * pool's open connections to it, and whether new connections go there. For dashboards and
   * `pg-dsql doctor`.
   */
  routing(): PoolRoutingSnapshot {
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

  override end(): Promise<void>
  override end(callback: (error?: Error) => void): void
  override end(callback?: (error?: Error) => void): Promise<void> | undefined {
    if (!this.ending) {
      this.#unsubscribe()
      this.#runtime.router.release()
    }
    if (callback === undefined) return super.end()
    super.end(callback)
    return undefined
  }

  /**
   * Follows the router: connections to an endpoint that failed are retired (idle ones now, busy
   * ones when released), and when new connections move to another endpoint, connections to the
   * others are retired as they are released, so traffic follows within one checkout.
   */
  #moveConnections(change: RouteChange): void {
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

  /**
   * pg-pool's `connect()`, made to survive what a new DSQL connection can meet before anything is
   * sent: a refused token is signed afresh once (the client dropped it from the cache), and a
   * connect that failed on the endpoint (refused, timed out, rate limited, an endpoint that just
   * went dark) is tried again with backoff within the retry budget; the router sends the retry
   * to a healthy endpoint.
   */
  override connect(): Promise<DsqlPoolClient>
  override connect(callback: PoolConnectCallback): void
  override connect(callback?: PoolConnectCallback): Promise<DsqlPoolClient> | undefined {
    if (callback === undefined) {
      return new Promise<DsqlPoolClient>((resolve, reject) => {
        this.#connect(
          (error, client) => (client === undefined ? reject(error) : resolve(client)),
          1,
          0,
          false,
        )
      })
    }
    this.#connect(callback, 1, 0, false)
    return undefined
  }

  #connect(callback: PoolConnectCallback, attempt: number, startedAt: number, signedAfresh: boolean): void {
    super.connect((error, client, done) => {
      if (error === undefined || error === null) {
        callback(undefined, client as DsqlPoolClient, done)
        return
      }
      if (error instanceof DsqlAuthError && !signedAfresh) {
        this.#connect(callback, attempt, startedAt, true)
        return
      }
      const firstFailureAt = startedAt === 0 ? Date.now() : startedAt
      const delayMs = autocommitRetryDelay(
        { error, attempt, startedAt: firstFailureAt, allow: 'connect' },
        this.#runtime.retry,
        this.#runtime.events,
      )
      if (delayMs === undefined) callback(error)
      else setTimeout(() => this.#connect(callback, attempt + 1, firstFailureAt, signedAfresh), delayMs)
    })
  }

  // `query` keeps pg-pool's overloads in the type declarations; the runtime version, installed
  // on the prototype here, differs from pg-pool's in two ways (see #runQuery).
  static {
    this.prototype.query = function query(
      this: DsqlPool,
      text: unknown,
      values?: unknown,
      callback?: unknown,
    ) {
      // Leave pg-pool's own guards (a function as the query) and its error text to pg-pool.
      if (typeof text === 'function') return pgPoolQuery.call(this, text, values, callback)
      let done = callback
      let parameters = values
      if (typeof values === 'function') {
        done = values
        parameters = undefined
      }
      if (typeof done === 'function') {
        this.#runQuery(text, parameters, done as QueryCallback, 1, 0)
        return undefined
      }
      return new Promise<pg.QueryResult>((resolve, reject) => {
        this.#runQuery(
          text,
          parameters,
          (error, result) => (error ? reject(error) : resolve(result as pg.QueryResult)),
          1,
          0,
        )
      }).catch((error: Error) => {
        Error.captureStackTrace(error)
        throw error
      })
    } as pg.Pool['query']
  }

  /**
   * pg-pool's `query()`, with DSQL-minded changes, in one callback per statement (this is the
   * query path, so nothing else is allocated):
   * - a connection whose statement failed but which is healthy and idle goes back to the pool
   *   (pg-pool closes it, and on DSQL each new connection costs TLS, a token and a share of the
   *   100-per-second connection rate);
   * - a statement that lost a conflict in its own implicit transaction (nothing applied) is sent
   *   again after a backoff, and so is a read-only statement whose connection died;
   * - a token the server refused is signed afresh once (see `connect()`).
   */
  #runQuery(
    text: unknown,
    values: unknown,
    callback: QueryCallback,
    attempt: number,
    startedAt: number,
    signedAfresh = false,
  ): void {
    super.connect((connectError, poolClient) => {
      const client = poolClient as DsqlPoolClient | undefined
      if ((connectError !== undefined && connectError !== null) || client === undefined) {
        if (connectError instanceof DsqlAuthError && !signedAfresh) {
          this.#runQuery(text, values, callback, attempt, startedAt, true)
          return
        }
        // Nothing was sent: a connect that failed on the endpoint (refused, timed out, rate
        // limited) is tried again, and the router sends it elsewhere if the endpoint is down.
        const firstFailureAt = startedAt === 0 ? Date.now() : startedAt
        const delayMs = autocommitRetryDelay(
          { error: connectError, attempt, startedAt: firstFailureAt, allow: 'connect' },
          this.#runtime.retry,
          this.#runtime.events,
        )
        if (delayMs === undefined) callback(connectError)
        else setTimeout(() => this.#runQuery(text, values, callback, attempt + 1, firstFailureAt), delayMs)
        return
      }
      let settled = false
      const finish = (error: Error | null | undefined, result?: pg.QueryResult) => {
        if (settled) return
        settled = true
        client.removeListener('error', finish)
        if (error === null || error === undefined) {
          client.release()
          callback(error, result)
          return
        }
        const lost = isConnectionLoss(error)
        const endpoint = client.endpoint
        if (endpoint !== undefined && (lost || isServerUnavailable(error)))
          this.#runtime.router.suspect(endpoint)
        const idle = !lost && client.getTransactionStatus?.() === 'I'
        client.release(idle ? undefined : error)
        // A read-only statement may always go again after a lost connection or DSQL's "server
        // unavailable"; a write may have applied then, so only a conflict (nothing applied) is retried.
        const allow =
          (lost || isServerUnavailable(error)) && isReadOnlyQuery(text)
            ? 'lost-read'
            : idle && this.#runtime.retry.autocommit
              ? 'conflict'
              : undefined
        const firstFailureAt = startedAt === 0 ? Date.now() : startedAt
        const delayMs =
          allow === undefined
            ? undefined
            : autocommitRetryDelay(
                { error, attempt, startedAt: firstFailureAt, allow },
                this.#runtime.retry,
                this.#runtime.events,
              )
        if (delayMs === undefined) callback(error, result)
        else setTimeout(() => this.#runQuery(text, values, callback, attempt + 1, firstFailureAt), delayMs)
      }
      // A connection that dies mid-query reports on the client; answer the caller once.
      client.once('error', finish)
      try {
        // pg's own query, not DsqlClient's: the retry decision is made here, once.
        pgQuery.call(client, text, values, finish)
      } catch (error) {
        finish(error as Error)
      }
    })
  }

  /**
   * Runs `fn` in a transaction on a pooled connection and returns what it returns. Conflicts
   * (40001) and failures before COMMIT was sent are retried on a fresh, healthy connection, with
   * backoff; a COMMIT whose outcome is unknown is reported, not retried (see `idempotent` and
   * `exactlyOnce`). `fn` may run more than once, so keep side effects outside the database
   * idempotent.
   *
   * @example
   * const orderId = await pool.transaction(async (client) => {
   *   await client.query('UPDATE stock SET qty = qty - 1 WHERE sku = $1', [sku])
   *   const { rows } = await client.query('INSERT INTO orders (sku) VALUES ($1) RETURNING id', [sku])
   *   return rows[0].id
   * })
   */
  transaction<T>(fn: (client: DsqlPoolClient) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    const runtime = this.#runtime
    const target: TransactionTarget<DsqlPoolClient> = {
      canReconnect: true,
      acquire: async () => {
        const client = await this.connect()
        // A connection that drops mid-transaction also emits 'error' on the client; the runner
        // learns of it from the failed query, and an unheard 'error' would crash the process.
        client.on('error', ignoreLeaseError)
        return {
          client,
          release: (destroy) => {
            client.removeListener('error', ignoreLeaseError)
            client.release(destroy)
          },
        }
      },
    }
    return runTransaction(target, fn, {
      retry: resolveRetryOptions(options, runtime.retry, 'transaction options'),
      events: runtime.events,
      markers: runtime.markers,
    })
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
