import pg from 'pg'
import { type DsqlPoolConfig, resolveRetryOptions, type TransactionOptions } from '../config/index.js'
import { DsqlAuthError, errorVerdict } from '../errors/index.js'
import {
  autocommitRetryDelay,
  isReadOnlyQuery,
  runTransaction,
  type TransactionTarget,
} from '../retry/index.js'
import { ConnectionRetired, type DsqlClient } from './dsql-client.js'
import { type DsqlContext, defaultContext, type RuntimeLease } from './dsql-context.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import { PoolConnections, type PoolRoutingSnapshot } from './pool-connections.js'
import { clientClassOf, poolOptions } from './pool-options.js'
import { type QueryCallback, queryMethod } from './query-callback.js'

/** A checked-out connection: pg's PoolClient, and a DsqlClient. */
export type DsqlPoolClient = pg.PoolClient & DsqlClient

type PoolConnectCallback = (
  error: Error | undefined,
  client?: DsqlPoolClient,
  done?: (release?: unknown) => void,
) => void
type QueryFunction = (this: pg.Pool, text: unknown, values?: unknown, callback?: unknown) => unknown

const pgPoolQuery = pg.Pool.prototype.query as unknown as QueryFunction
const pgQuery = pg.Client.prototype.query as unknown as (
  this: pg.Client,
  text: unknown,
  values?: unknown,
  callback?: unknown,
) => unknown

/** The runner hears a leased connection's failure through its failed query. */
function ignoreLeaseError(): void {}

/**
 * A `pg.Pool` for Aurora DSQL. It is a real subclass of the app's `pg.Pool`, so Prisma's
 * adapter and Drizzle accept it, and it behaves like one: same options, events, counters and
 * callbacks. On top it signs and caches IAM tokens off the query path, retires each connection
 * at its own jittered lifetime below DSQL's 60-minute cap, and absorbs the routine loss of idle
 * connections (the server closing them) instead of crashing the process.
 */
export class DsqlPool extends pg.Pool {
  readonly #runtime: DsqlRuntime
  readonly #lease: RuntimeLease
  readonly #connections: PoolConnections
  readonly #unsubscribe: () => void

  constructor(config?: DsqlPoolConfig, context: DsqlContext = defaultContext) {
    // Checked before the lease, so a refused option leaves no shared state behind.
    const Client = clientClassOf(config)
    const lease = context.acquire(config as Readonly<Record<string, unknown>> | undefined)
    const runtime = lease.runtime
    super(poolOptions(runtime, config, Client))
    lease.bindTo(this)
    this.#lease = lease
    this.#runtime = runtime
    this.#connections = new PoolConnections(runtime)
    // Start signing now, so the first connection finds a token ready.
    for (const endpoint of runtime.router.endpoints) {
      runtime.tokens.prefetch(runtime.tokenKey(endpoint, runtime.config.tokenAction))
    }
    this.on('connect', (client) => this.#connections.opened(client as unknown as DsqlClient))
    this.on('remove', (client) => this.#connections.closed(client as unknown as DsqlClient))
    runtime.router.retain()
    this.#unsubscribe = runtime.router.subscribe((change) => this.#connections.follow(change))
  }

  /**
   * Where this pool's connections go: each endpoint's Region, health, smoothed latency, this
   * pool's open connections to it, and whether new connections go there. For dashboards and
   * `pg-dsql doctor`.
   */
  routing(): PoolRoutingSnapshot {
    return this.#connections.snapshot()
  }

  override end(): Promise<void>
  override end(callback: (error?: Error) => void): void
  override end(callback?: (error?: Error) => void): Promise<void> | undefined {
    if (!this.ending) {
      this.#unsubscribe()
      this.#runtime.router.release()
      // The last pool or client of this configuration closes its router and token cache.
      this.#lease.release()
    }
    if (callback === undefined) return super.end()
    super.end(callback)
    return undefined
  }

  /**
   * pg-pool's `connect()`, made to survive what a new DSQL connection can meet before anything is
   * sent (see #afterConnectFailure).
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
      const next = this.#afterConnectFailure(error, attempt, startedAt, signedAfresh)
      if (next === undefined) callback(error)
      else
        setTimeout(
          () => this.#connect(callback, next.attempt, next.startedAt, next.signedAfresh),
          next.delayMs,
        )
    })
  }

  /**
   * What to do after a connect failed, before anything was sent: a refused token is signed afresh
   * at once (the client dropped it from the cache), a failure on the endpoint (refused, timed out,
   * rate limited, gone dark) is tried again after a backoff within the retry budget (the router
   * sends it to a healthy endpoint), anything else is given up (undefined).
   */
  #afterConnectFailure(
    error: unknown,
    attempt: number,
    startedAt: number,
    signedAfresh: boolean,
  ): { delayMs: number; attempt: number; startedAt: number; signedAfresh: boolean } | undefined {
    if (error instanceof DsqlAuthError && !signedAfresh)
      return { delayMs: 0, attempt, startedAt, signedAfresh: true }
    const firstFailureAt = startedAt === 0 ? Date.now() : startedAt
    const delayMs = autocommitRetryDelay(
      { error, attempt, startedAt: firstFailureAt, allow: 'connect' },
      this.#runtime.retry,
      this.#runtime.events,
    )
    return delayMs === undefined
      ? undefined
      : { delayMs, attempt: attempt + 1, startedAt: firstFailureAt, signedAfresh }
  }

  // `query` keeps pg-pool's overloads in the type declarations; the runtime version, installed
  // on the prototype here, differs from pg-pool's as #runQuery says.
  static {
    this.prototype.query = queryMethod<DsqlPool>({
      // pg-pool's own guard (a function as the query) and its error text stay pg-pool's.
      passOn: (_pool, query) => typeof query === 'function',
      original: pgPoolQuery,
      run: (pool, query, values, callback) => pool.#runQuery(query, values, callback, 1, 0),
    }) as pg.Pool['query']
  }

  /**
   * pg-pool's `query()`, with DSQL-minded changes, in one callback per statement (this is the
   * query path, so nothing else is allocated):
   * - a connection whose statement failed but which is healthy and idle goes back to the pool
   *   (pg-pool closes it, and on DSQL each new connection costs TLS, a token and a share of the
   *   100-per-second connection rate);
   * - a statement that lost a conflict in its own implicit transaction (nothing applied) is sent
   *   again after a backoff, and so is a read-only statement whose connection died;
   * - a connect that failed before anything was sent goes again (see #afterConnectFailure).
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
        const next = this.#afterConnectFailure(connectError, attempt, startedAt, signedAfresh)
        if (next === undefined) callback(connectError)
        else
          setTimeout(
            () => this.#runQuery(text, values, callback, next.attempt, next.startedAt, next.signedAfresh),
            next.delayMs,
          )
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
        const verdict = errorVerdict(error)
        const endpoint = client.endpoint
        if (endpoint !== undefined && verdict.endpointFault) this.#runtime.router.suspect(endpoint)
        const idle = !verdict.connectionLost && client.getTransactionStatus?.() === 'I'
        client.release(idle ? undefined : error)
        // A read-only statement may always go again after a lost connection or DSQL's "server
        // unavailable"; a write may have applied then, so only a conflict (nothing applied) is retried.
        const allow =
          verdict.retry === 'if-idempotent' && isReadOnlyQuery(text)
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
  //
  // pg-pool emits acquire and release for every query, so this runs on the query path: the
  // usual one or two arguments are passed on without gathering them into an array.
  override emit(event: string | symbol, first?: unknown, second?: unknown): boolean {
    if (event === 'error') {
      if (first instanceof ConnectionRetired) return true
      if (errorVerdict(first).connectionLost) {
        const endpoint = (second as DsqlClient | undefined)?.endpoint
        if (endpoint !== undefined) this.#connections.lost(endpoint, first)
        return true
      }
    }
    // biome-ignore lint/complexity/noArguments: how many arguments came decides what is passed on, without an array per call
    const count = arguments.length
    if (count === 2) return super.emit(event, first)
    if (count === 3) return super.emit(event, first, second)
    if (count === 1) return super.emit(event)
    // biome-ignore lint/complexity/noArguments: the rare emit with more arguments passes them all
    return Reflect.apply(super.emit, this, Array.from(arguments))
  }
}
