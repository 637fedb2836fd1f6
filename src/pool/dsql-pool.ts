import pg from 'pg'
import type { DsqlPoolConfig, TransactionOptions } from '../config/index.js'
import { errorVerdict, PoolEndedError } from '../errors/index.js'
import type { DsqlPoolStats, PoolObserver } from '../observability/index.js'
import {
  type CheckoutCallback,
  connectWithRetry,
  type RetryTarget,
  runStatement,
  type StatementCallback,
  transactionOn,
} from '../retry/index.js'
import { ConnectionRetired, type DsqlClient } from './dsql-client.js'
import { type DsqlContext, defaultContext, type RuntimeLease } from './dsql-context.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import { poolQuery, rejectWaiting } from './pg-pool-bridge.js'
import { PoolConnections, type PoolRoutingSnapshot } from './pool-connections.js'
import { clientClassOf, poolOptions } from './pool-options.js'
import { poolStats, type SharedBaseline, sharedBaselines } from './pool-stats.js'
import { poolRetryTarget } from './pool-target.js'
import { queryMethod } from './query-callback.js'

/** A checked-out connection: pg's PoolClient, and a DsqlClient. */
export type DsqlPoolClient = pg.PoolClient & DsqlClient

type PoolConnectCallback = CheckoutCallback<DsqlPoolClient>

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
  /** This pool as the retry runners see it (statements, transactions). */
  readonly #target: RetryTarget<DsqlPoolClient>
  /** pg-pool's own checkout, once, for the connect loop. */
  readonly #checkoutOnce: (callback: PoolConnectCallback) => void
  /** The shared token cache's and router's counts when this pool was built: stats() counts from here. */
  readonly #sharedBaselines: readonly SharedBaseline[]

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
    this.#sharedBaselines = sharedBaselines(runtime)
    this.#checkoutOnce = (callback) => super.connect(callback as Parameters<pg.Pool['connect']>[0])
    this.#target = poolRetryTarget<DsqlPoolClient>(this, runtime)
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

  /**
   * A snapshot of this pool, taken without I/O: pg-pool's counts (total, idle, waiting, max),
   * each endpoint's health, smoothed latency and this pool's connections to it, counters since
   * the pool was built (connections, tokens, conflicts, retries, transactions, failovers), and
   * histograms of checkout wait, connect and use times and of attempts per transaction. The
   * counts are kept whether or not anyone listens for events; the metrics adapters
   * (`pg-dsql/otel`, `pg-dsql/prometheus`, `pg-dsql/emf`) read it when they collect.
   */
  stats(): DsqlPoolStats {
    return poolStats(this, this.#runtime, this.#connections, this.#sharedBaselines)
  }

  /**
   * Hears each histogram observation as it is recorded, and this pool's end; returns the
   * removal. For metrics adapters that need single values (OpenTelemetry histograms, EMF), or a
   * last flush at `end()`. The observer runs on the query path: keep it cheap.
   */
  observe(observer: PoolObserver): () => void {
    return this.#runtime.events.tally.observe(observer)
  }

  override end(): Promise<void>
  override end(callback: (error?: Error) => void): void
  override end(callback?: (error?: Error) => void): Promise<void> | undefined {
    const first = !this.ending
    if (first) {
      // Adapters flush what they hold while the pool can still say what it did.
      this.#runtime.events.tally.ended()
      this.#unsubscribe()
      this.#runtime.router.release()
      // The last pool or client of this configuration closes its router and token cache.
      this.#lease.release()
    }
    let ended: Promise<void> | undefined
    if (callback === undefined) ended = super.end()
    else super.end(callback)
    // pg-pool would leave the calls still waiting for a connection pending forever.
    if (first) rejectWaiting(this, () => new PoolEndedError())
    return ended
  }

  /**
   * pg-pool's `connect()`, made to survive what a new DSQL connection can meet before anything is
   * sent: a refused token is signed afresh once, and a failure on the endpoint (refused, timed
   * out, rate limited, gone dark) is tried again after a backoff, on the endpoint the router
   * chooses then (see `connectWithRetry`).
   */
  override connect(): Promise<DsqlPoolClient>
  override connect(callback: PoolConnectCallback): void
  override connect(callback?: PoolConnectCallback): Promise<DsqlPoolClient> | undefined {
    const { retry, events } = this.#runtime
    if (callback === undefined) {
      return new Promise<DsqlPoolClient>((resolve, reject) => {
        connectWithRetry(this.#checkoutOnce, retry, events, (error, client) =>
          client === undefined ? reject(error) : resolve(client),
        )
      })
    }
    connectWithRetry(this.#checkoutOnce, retry, events, callback)
    return undefined
  }

  // `query` keeps pg-pool's overloads in the type declarations; the runtime version, installed
  // on the prototype here, sends each statement through the one statement runner (see
  // `runStatement` and `poolRetryTarget`): conflicts in a statement's own implicit transaction
  // and reads whose connection died go again, a healthy idle connection whose statement failed
  // stays in the pool, and the connect before it retries what failed before anything was sent.
  static {
    this.prototype.query = queryMethod<DsqlPool>({
      // pg-pool's own guard (a function as the query) and its error text stay pg-pool's.
      passOn: (_pool, query) => typeof query === 'function',
      original: poolQuery,
      run: (pool, query, values, callback) =>
        runStatement(pool.#target, query, values, callback as StatementCallback),
    }) as pg.Pool['query']
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
    return transactionOn(this.#target, fn, options)
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
