import pg from 'pg'
import type { DsqlClientConfig, ResolvedEndpoint, TransactionOptions } from '../config/index.js'
import { DsqlAuthError, errorVerdict } from '../errors/index.js'
import { eventError } from '../observability/index.js'
import { type RetryTarget, runStatement, type StatementCallback, transactionOn } from '../retry/index.js'
import { pgClientConfig } from './client-config.js'
import { clientRetryTarget } from './client-target.js'
import { type DsqlContext, defaultContext, type RuntimeLease } from './dsql-context.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import type { ConnectTarget } from './endpoint-socket.js'
import { isPersistentRefusal, persistentRefusal } from './persistent-refusal.js'
import {
  abandonSocket,
  aimAt,
  type CheckoutListener,
  carried,
  clientQuery,
  hearCheckouts,
  onConnectionEnd,
  type PoolRelease,
  removeIdleClient,
} from './pg-pool-bridge.js'
import { queryMethod } from './query-callback.js'

type ConnectCallback = (error: Error | null, client?: DsqlClient) => void

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
export class DsqlClient extends pg.Client implements CheckoutListener {
  readonly #runtime: DsqlRuntime
  /** This client as the retry runners see it (statements, transactions). */
  readonly #retryTarget: RetryTarget<this>
  /** A standalone client's hold on its configuration's shared state; a pool's clients use the pool's. */
  readonly #lease: RuntimeLease | undefined
  readonly #target: ConnectTarget
  #connectedAt = 0
  #ending = false
  #poolRelease: PoolRelease | undefined
  #checkedOut = false
  /** When pg-pool last handed this connection out (performance.now()), for the use-time histogram. */
  #checkedOutAt = 0
  #retireReason: ConnectionRetired['reason'] | undefined
  #lifetimeTimer: NodeJS.Timeout | undefined

  constructor(config?: string | DsqlClientConfig, context: DsqlContext = defaultContext) {
    // A pool's clients run with the pool's runtime; a lone client leases its own.
    const fromPool = carried<DsqlRuntime>(config)
    const lease =
      fromPool === undefined
        ? context.acquire(config as Readonly<Record<string, unknown>> | string | undefined)
        : undefined
    const runtime = fromPool ?? (lease as RuntimeLease).runtime
    const target: ConnectTarget = { endpoint: undefined, token: undefined }
    super(pgClientConfig(runtime, target))
    this.#runtime = runtime
    this.#lease = lease
    this.#target = target
    this.#retryTarget = clientRetryTarget(this, runtime)
    if (fromPool !== undefined) this.on('error', this.#lostWhileCheckedOut)
    if (lease !== undefined) {
      lease.bindTo(this)
      // However the connection ends (end(), an error, the server), the shared state is given back.
      this.once('end', lease.release)
    }
  }

  // `query` keeps pg's own overloads in the type declarations; the runtime version, installed on
  // the prototype here, sends plain statements through the one statement runner (see
  // `runStatement`): a statement that lost a conflict in its own implicit transaction goes again.
  static {
    this.prototype.query = queryMethod<DsqlClient>({
      passOn: (client, query) => !client.#runtime.retry.autocommit || !isPlainQuery(query),
      original: clientQuery,
      run: (client, query, values, callback) =>
        runStatement(client.#retryTarget, query, values, callback as StatementCallback),
    }) as pg.Client['query']
    hearCheckouts(this.prototype)
  }

  /**
   * Runs `fn` in a transaction on this connection, retrying conflicts (see
   * `pool.transaction()`). A lone client cannot replace a lost connection, so only conflicts
   * are retried here; use `pool.transaction()` to survive connection loss too.
   */
  transaction<T>(fn: (client: this) => Promise<T> | T, options?: TransactionOptions): Promise<T> {
    return transactionOn(this.#retryTarget, fn, options)
  }

  /** The endpoint this client connected to, or undefined before it connects. */
  get endpoint(): ResolvedEndpoint | undefined {
    return this.#target.endpoint
  }

  override connect(): Promise<this>
  override connect(callback: ConnectCallback): void
  override connect(callback?: ConnectCallback): Promise<this> | undefined {
    if (callback === undefined) {
      return new Promise<this>((resolve, reject) => {
        this.#connect((error) => (error === undefined ? resolve(this) : reject(error)))
      })
    }
    this.#connect((error) => (error === undefined ? callback(null, this) : callback(error as Error)))
    return undefined
  }

  /**
   * Chooses the endpoint, then connects through pg's own callback form, so `done` is called as pg
   * calls it: from the socket's events, before the connection's 'end', never inside a promise
   * chain (a callback that throws is an ordinary uncaught exception, as with pg).
   */
  #connect(done: (error?: unknown) => void): void {
    const runtime = this.#runtime
    const chosen = runtime.router.choose(runtime.config.connectTimeoutMs)
    if (!(chosen instanceof Promise)) {
      this.#connectTo(chosen, done)
      return
    }
    chosen.then(
      (endpoint) => this.#connectTo(endpoint, done),
      (error: unknown) => process.nextTick(done, error),
    )
  }

  #connectTo(endpoint: ResolvedEndpoint, done: (error?: unknown) => void): void {
    const runtime = this.#runtime
    const key = runtime.tokenKey(endpoint, runtime.config.tokenAction)
    // A token refused again and again fails at once, with no socket and no signing, until its
    // window passes (see TokenProvider.refused).
    const refusal = persistentRefusal(runtime.tokens, key, runtime.config.user)
    if (refusal !== undefined) {
      process.nextTick(done, refusal)
      return
    }
    const startedAt = performance.now()
    // The token comes before the socket: credentials that cannot be had fail this connect without
    // opening one, since every socket opened counts against the cluster's connection rate, which
    // all of its clients share. The password callback then finds the token cached.
    const token = runtime.tokens.token(key)
    if (typeof token === 'string') {
      this.#open(endpoint, startedAt, done)
      return
    }
    awaitToken(token, this, runtime.config.connectTimeoutMs, (error) => {
      if (error === undefined) this.#open(endpoint, startedAt, done)
      else this.#failed(endpoint, startedAt, error, done)
    })
  }

  #open(endpoint: ResolvedEndpoint, startedAt: number, done: (error?: unknown) => void): void {
    // end() while the endpoint or the token was awaited: pg's end() had nothing to close yet, so
    // the socket must not be opened now.
    if (this.#ending) {
      process.nextTick(done, new Error('The client was ended before it connected.'))
      return
    }
    const runtime = this.#runtime
    this.#target.endpoint = endpoint
    // pg connects to (and verifies TLS against) `host`; EndpointSocket sends TCP to the address.
    aimAt(this, endpoint.host, endpoint.port)
    // The router abandons this connect if it finds the endpoint down meanwhile.
    const settled = runtime.router.connecting(endpoint, () => abandonSocket(this))
    super.connect((error?: Error) => {
      settled()
      if (error !== undefined && error !== null) {
        // pg leaves the socket open when a connect fails (a password that could not be had, a
        // refused login): close it, or it lingers until the server's own timeout.
        abandonSocket(this)
        this.#failed(endpoint, startedAt, error, done)
        return
      }
      const durationMs = performance.now() - startedAt
      this.#connectedAt = Date.now()
      runtime.events.tally.connected(durationMs)
      runtime.router.connected(endpoint, durationMs)
      // A connection that dies under us may mean the endpoint went dark: the router checks.
      onConnectionEnd(this, () => {
        if (!this.#ending) runtime.router.suspect(endpoint)
      })
      runtime.events.emit(() => ({
        type: 'connect',
        endpoint: endpoint.host,
        region: endpoint.region,
        durationMs,
      }))
      done()
    })
  }

  #failed(
    endpoint: ResolvedEndpoint,
    startedAt: number,
    error: unknown,
    done: (error?: unknown) => void,
  ): void {
    const durationMs = performance.now() - startedAt
    this.#runtime.events.emit(() => ({
      type: 'connect.error',
      endpoint: endpoint.host,
      region: endpoint.region,
      durationMs,
      error: eventError(error),
    }))
    done(this.#explain(error, endpoint))
  }

  #explain(error: unknown, endpoint: ResolvedEndpoint): unknown {
    if (isPersistentRefusal(error)) {
      this.#runtime.events.tally.connectFailed(false)
      return error
    }
    const verdict = errorVerdict(error)
    this.#runtime.events.tally.connectFailed(verdict.tokenRefused)
    if (verdict.tokenRefused) {
      const hint = (error as { hint?: unknown }).hint
      const reason = typeof hint === 'string' && hint !== '' ? ` DSQL says: ${hint}.` : ''
      const { user, tokenAction } = this.#runtime.config
      const refusal = new DsqlAuthError(
        `DSQL refused the IAM token for user "${user}" (${tokenAction}) at ${endpoint.host} (${endpoint.region}).` +
          `${reason} Check the IAM identity's dsql:${tokenAction} permission, the tokenAction for this user, and the clock.`,
        { endpoint: endpoint.host, hint: typeof hint === 'string' ? hint : undefined, cause: error },
      )
      this.#runtime.tokens.refused(
        this.#runtime.tokenKey(endpoint, tokenAction),
        user,
        this.#target.token,
        refusal,
      )
      return refusal
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
    removeIdleClient(this, new ConnectionRetired(reason))
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

  /** @internal pg-pool checked this client out (see `hearCheckouts`). */
  checkedOut(poolRelease: PoolRelease): void {
    this.#poolRelease = poolRelease
    this.#checkedOut = true
    this.#checkedOutAt = performance.now()
  }

  /** @internal True while pg-pool has this connection checked out. */
  get isCheckedOut(): boolean {
    return this.#checkedOut
  }

  // pg-pool listens for a client's 'error' only while it is idle; checked out, a connection that
  // dies (DSQL closes one at 60 minutes once its transaction ends) would emit 'error' with no
  // listener and end the process, under ORMs that never listen. The statement in flight fails
  // anyway; the loss is reported as an event. (Idle, pg-pool's own listener hears it.)
  readonly #lostWhileCheckedOut = (error: unknown): void => {
    const endpoint = this.#target.endpoint
    if (!this.#checkedOut || endpoint === undefined) return
    this.#runtime.events.tally.connectionLost()
    this.#runtime.events.emit(() => ({
      type: 'connection.lost',
      endpoint: endpoint.host,
      region: endpoint.region,
      error: eventError(error),
    }))
  }

  /** @internal What `client.release` is while pooled: pg-pool's, retiring this client if due. */
  get releaseWhileCheckedOut(): PoolRelease | undefined {
    return this.#poolRelease === undefined ? undefined : this.#release
  }

  readonly #release: PoolRelease = (error) => {
    const poolRelease = this.#poolRelease as PoolRelease
    if (this.#checkedOut) this.#runtime.events.tally.released(performance.now() - this.#checkedOutAt)
    this.#checkedOut = false
    const reason = this.#retireReason
    if (reason !== undefined && (error === undefined || error === false)) {
      this.#retireReason = undefined
      // pg-pool's release with an error closes the connection instead of keeping it.
      poolRelease(new ConnectionRetired(reason))
      return
    }
    poolRelease(error)
  }
}

/** A text or config-object query; cursors, streams and queries with their own callback pass through. */
function isPlainQuery(config: unknown): boolean {
  if (typeof config === 'string') return true
  if (config === null || typeof config !== 'object') return false
  const { submit, callback } = config as { submit?: unknown; callback?: unknown }
  return typeof submit !== 'function' && typeof callback !== 'function'
}

/**
 * Waits for a token that is being signed, within the bounds the socket's connect would have had:
 * the client's own connect timeout, and pg-pool's, which destroys the client's stream. A
 * credential provider that hangs must not hold a connect past either. Calls `settled` once, out
 * of the promise chain, as pg calls a connect's callback.
 */
function awaitToken(
  token: Promise<string>,
  client: pg.Client,
  timeoutMs: number,
  settled: (error?: unknown) => void,
): void {
  const stream = (client as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream
  let done = false
  const finish = (error?: unknown) => {
    if (done) return
    done = true
    stream.off('close', onClose)
    clearTimeout(timer)
    process.nextTick(settled, error)
  }
  const onClose = () => finish(new Error('Connection terminated while its IAM token was being signed'))
  const timer =
    timeoutMs > 0
      ? setTimeout(() => finish(new Error('Connection terminated due to connection timeout')), timeoutMs)
      : undefined
  stream.once('close', onClose)
  token.then(() => finish(), finish)
}
