import pg from 'pg'
import {
  type DsqlClientConfig,
  type ResolvedEndpoint,
  resolveRetryOptions,
  type TransactionOptions,
} from '../config/index.js'
import { DsqlAuthError, errorVerdict } from '../errors/index.js'
import { eventError } from '../observability/index.js'
import { autocommitRetryDelay, runTransaction, type TransactionTarget } from '../retry/index.js'
import { pgClientConfig } from './client-config.js'
import { type DsqlContext, defaultContext, type RuntimeLease } from './dsql-context.js'
import { type DsqlRuntime, RUNTIME } from './dsql-runtime.js'
import type { ConnectTarget } from './endpoint-socket.js'
import { type QueryCallback, queryMethod } from './query-callback.js'

type ConnectCallback = (error: Error | null, client?: DsqlClient) => void
type QueryFunction = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown

const pgQuery = pg.Client.prototype.query as unknown as QueryFunction
type PoolRelease = (error?: Error | boolean) => void

/** Thrown into pg-pool's release path to retire a connection on purpose; never reaches the app. */
export class ConnectionRetired extends Error {
  override name = 'ConnectionRetired'
  constructor(readonly reason: 'lifetime' | 'failback' | 'unhealthy' | 'rebalance') {
    super(`pg-dsql retired the connection (${reason})`)
  }
}

/**
 * A `pg.Client` for Aurora DSQL: it picks an endpoint when it connects, authenticates with a
 * cached IAM token, and verifies TLS against the endpoint host. Everything pg does still works:
 * it is a real subclass, so ORMs that read pg's internals (Sequelize, pg-promise) keep working.
 */
export class DsqlClient extends pg.Client {
  readonly #runtime: DsqlRuntime
  /** A standalone client's hold on its configuration's shared state; a pool's clients use the pool's. */
  readonly #lease: RuntimeLease | undefined
  readonly #target: ConnectTarget
  #connectedAt = 0
  #ending = false
  #poolRelease: PoolRelease | undefined
  #checkedOut = false
  #retireReason: ConnectionRetired['reason'] | undefined
  #lifetimeTimer: NodeJS.Timeout | undefined

  constructor(config?: string | DsqlClientConfig, context: DsqlContext = defaultContext) {
    const carried = typeof config === 'object' ? (config as { [RUNTIME]?: DsqlRuntime })[RUNTIME] : undefined
    const lease =
      carried === undefined
        ? context.acquire(config as Readonly<Record<string, unknown>> | string | undefined)
        : undefined
    const runtime = carried ?? (lease as RuntimeLease).runtime
    const target: ConnectTarget = { endpoint: undefined, token: undefined }
    super(pgClientConfig(runtime, target))
    this.#runtime = runtime
    this.#lease = lease
    this.#target = target
    if (lease !== undefined) {
      lease.bindTo(this)
      // However the connection ends (end(), an error, the server), the shared state is given back.
      this.once('end', lease.release)
    }
  }

  // `query` keeps pg's own overloads in the type declarations; the runtime wrapper, installed on
  // the prototype here, retries autocommit statements that lost a conflict (see #runQuery).
  static {
    this.prototype.query = queryMethod<DsqlClient>({
      passOn: (client, query) => !client.#runtime.retry.autocommit || !isPlainQuery(query),
      original: pgQuery,
      run: (client, query, values, callback) => client.#runQuery(query, values, callback, 1, 0),
    }) as pg.Client['query']
  }

  /**
   * Sends one statement; if it failed with 40001 in its own implicit transaction (the session is
   * idle again, so nothing applied), sends it again after a backoff. Statements inside a
   * transaction are never retried here: the transaction is what must be retried.
   */
  #runQuery(
    config: unknown,
    values: unknown,
    callback: QueryCallback,
    attempt: number,
    startedAt: number,
  ): void {
    pgQuery.call(this, config, values, (error: Error | null | undefined, result?: pg.QueryResult) => {
      if (error === null || error === undefined) {
        callback(error, result)
        return
      }
      // DSQL's "server unavailable" may mean the Region went dark: let the router check. (A
      // connection that died is heard from its 'end' event.)
      const endpoint = this.#target.endpoint
      const verdict = errorVerdict(error)
      if (endpoint !== undefined && verdict.endpointFault && !verdict.connectionLost)
        this.#runtime.router.suspect(endpoint)
      if (this.getTransactionStatus?.() !== 'I') {
        callback(error, result)
        return
      }
      const firstFailureAt = startedAt === 0 ? Date.now() : startedAt
      const delayMs = autocommitRetryDelay(
        { error, attempt, startedAt: firstFailureAt, allow: 'conflict' },
        this.#runtime.retry,
        this.#runtime.events,
      )
      if (delayMs === undefined) {
        callback(error, result)
        return
      }
      setTimeout(() => this.#runQuery(config, values, callback, attempt + 1, firstFailureAt), delayMs)
    })
  }

  /**
   * Runs `fn` in a transaction on this connection, retrying conflicts (see
   * `pool.transaction()`). A lone client cannot replace a lost connection, so only conflicts
   * are retried here; use `pool.transaction()` to survive connection loss too.
   */
  transaction<T>(fn: (client: this) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    const runtime = this.#runtime
    const target: TransactionTarget<this> = {
      canReconnect: false,
      acquire: () => {
        // While the transaction runs, a dropped connection's 'error' event is heard here; the
        // runner learns of it from the failed query.
        this.on('error', ignoreTransactionError)
        return Promise.resolve({
          client: this,
          release: () => this.removeListener('error', ignoreTransactionError),
        })
      },
    }
    return runTransaction(target, fn, {
      retry: resolveRetryOptions(options, runtime.retry, 'transaction options'),
      events: runtime.events,
      markers: runtime.markers,
    })
  }

  /** The endpoint this client connected to, or undefined before it connects. */
  get endpoint(): ResolvedEndpoint | undefined {
    return this.#target.endpoint
  }

  override connect(): Promise<this>
  override connect(callback: ConnectCallback): void
  override connect(callback?: ConnectCallback): Promise<this> | undefined {
    const connecting = this.#connect()
    if (callback === undefined) return connecting
    connecting.then(
      () => callback(null, this),
      (error: Error) => callback(error),
    )
    return undefined
  }

  async #connect(): Promise<this> {
    const runtime = this.#runtime
    const endpoint = await runtime.router.choose(runtime.config.connectTimeoutMs)
    this.#target.endpoint = endpoint
    // pg connects to (and verifies TLS against) `host`; EndpointSocket sends TCP to the address.
    this.host = endpoint.host
    this.port = endpoint.port
    const startedAt = performance.now()
    try {
      await super.connect()
    } catch (error) {
      const durationMs = performance.now() - startedAt
      runtime.events.emit(() => ({
        type: 'connect.error',
        endpoint: endpoint.host,
        region: endpoint.region,
        durationMs,
        error: eventError(error),
      }))
      throw this.#explain(error, endpoint)
    }
    const durationMs = performance.now() - startedAt
    this.#connectedAt = Date.now()
    runtime.router.connected(endpoint, durationMs)
    // A connection that dies under us may mean the endpoint went dark: the router checks.
    this.connection.once('end', () => {
      if (!this.#ending) runtime.router.suspect(endpoint)
    })
    runtime.events.emit(() => ({
      type: 'connect',
      endpoint: endpoint.host,
      region: endpoint.region,
      durationMs,
    }))
    return this
  }

  #explain(error: unknown, endpoint: ResolvedEndpoint): unknown {
    const verdict = errorVerdict(error)
    if (verdict.tokenRefused) {
      const token = this.#target.token
      if (token !== undefined)
        this.#runtime.tokens.invalidate(
          this.#runtime.tokenKey(endpoint, this.#runtime.config.tokenAction),
          token,
        )
      const hint = (error as { hint?: unknown }).hint
      const reason = typeof hint === 'string' && hint !== '' ? ` DSQL says: ${hint}.` : ''
      return new DsqlAuthError(
        `DSQL refused the IAM token for user "${this.#runtime.config.user}" (${this.#runtime.config.tokenAction}) at ` +
          `${endpoint.host} (${endpoint.region}).${reason} Check the IAM identity's dsql:${this.#runtime.config.tokenAction} ` +
          'permission, the tokenAction for this user, and the clock.',
        { endpoint: endpoint.host, hint: typeof hint === 'string' ? hint : undefined, cause: error },
      )
    }
    // Refused (auth, limits, TLS verification) says nothing about the endpoint; unreachable does.
    if (verdict.endpointFault) this.#runtime.router.failed(endpoint, error)
    return error
  }

  override end(): Promise<void>
  override end(callback: (error?: Error) => void): void
  override end(callback?: (error?: Error) => void): Promise<void> | undefined {
    this.#ending = true
    this.#lease?.release()
    if (callback === undefined) return super.end()
    super.end(callback)
    return undefined
  }

  /** @internal How long this connection has been open, in milliseconds. */
  get ageMs(): number {
    return this.#connectedAt === 0 ? 0 : Date.now() - this.#connectedAt
  }

  /**
   * @internal Retires this pooled connection: at once when it is idle, otherwise when it is
   * released. Never while it is checked out.
   */
  retire(reason: ConnectionRetired['reason']): boolean {
    if (this.#retireReason !== undefined || this.#ending) return false
    this.#retireReason = reason
    // Checked out, or just connected and about to be handed out: it goes when released.
    if (this.#checkedOut || this.#poolRelease === undefined) return true
    // An idle pooled client's 'error' makes pg-pool remove and close it (its documented idle
    // error path); DsqlPool keeps this error from reaching the app's 'error' listeners.
    this.emit('error', new ConnectionRetired(reason))
    return true
  }

  /** @internal Starts the timer that retires this connection at its drawn lifetime. */
  startLifetime(lifetimeMs: number, onRetire: () => void): void {
    clearTimeout(this.#lifetimeTimer)
    this.#lifetimeTimer = setTimeout(() => {
      if (this.retire('lifetime')) onRetire()
    }, lifetimeMs)
    this.#lifetimeTimer.unref()
    this.once('end', () => clearTimeout(this.#lifetimeTimer))
  }

  // pg-pool assigns `client.release` at every checkout. Catching the assignment tells the
  // client it is checked out, and lets a retirement ride on pg-pool's own `release(err)`,
  // which destroys the connection instead of returning it.
  get release(): PoolRelease | undefined {
    return this.#poolRelease === undefined ? undefined : this.#release
  }

  set release(poolRelease: PoolRelease) {
    this.#poolRelease = poolRelease
    this.#checkedOut = true
  }

  readonly #release: PoolRelease = (error) => {
    const poolRelease = this.#poolRelease as PoolRelease
    this.#checkedOut = false
    const reason = this.#retireReason
    if (reason !== undefined && (error === undefined || error === false)) {
      this.#retireReason = undefined
      poolRelease(new ConnectionRetired(reason))
      return
    }
    poolRelease(error)
  }
}

function ignoreTransactionError(): void {}

/** A text or config-object query; cursors, streams and queries with their own callback pass through. */
function isPlainQuery(config: unknown): boolean {
  if (typeof config === 'string') return true
  if (config === null || typeof config !== 'object') return false
  const { submit, callback } = config as { submit?: unknown; callback?: unknown }
  return typeof submit !== 'function' && typeof callback !== 'function'
}
