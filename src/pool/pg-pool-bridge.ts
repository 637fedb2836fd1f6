import pg from 'pg'

/*
 * Everything pg-dsql relies on in pg-pool and pg.Client beyond what they document, in one
 * module, typed as the subset pg-dsql uses (as Kysely declares the `PostgresPool` it needs).
 * test/unit/pool/pg-pool-bridge.test.ts checks each contract against the installed pg, so a pg
 * release that changes one fails there, loudly, and not somewhere in a pool under load.
 */

/** What pg-pool hands a checked-out client as `client.release`. */
export type PoolRelease = (error?: Error | boolean) => void

/** pg's query methods, called with a callback (never their promise form). */
type QueryFunction<S> = (this: S, text: unknown, values?: unknown, callback?: unknown) => unknown

/** Contract: pg-pool's own `query()`; DsqlPool hands it the forms it leaves to pg-pool. */
export const poolQuery = pg.Pool.prototype.query as unknown as QueryFunction<pg.Pool>

/** Contract: pg.Client's own `query()`; the runners send with it, below DsqlClient's retrying one. */
export const clientQuery = pg.Client.prototype.query as unknown as QueryFunction<pg.Client>

/** What a client class implements to hear its checkouts (see `hearCheckouts`). */
export interface CheckoutListener {
  /** pg-pool checked this client out and gave it `poolRelease`. */
  checkedOut(poolRelease: PoolRelease): void
  /** What `client.release` reads as while checked out (a wrapper around `poolRelease`). */
  readonly releaseWhileCheckedOut: PoolRelease | undefined
}

/**
 * Contract: pg-pool assigns `client.release` at every checkout (`_acquireClient`), and calling it
 * with an error removes and ends the client. Defining `release` as an accessor on the client
 * class lets the client know it is checked out, and lets pg-dsql retire a busy connection by
 * passing an error to pg-pool's own release when the app releases it.
 */
export function hearCheckouts(prototype: CheckoutListener): void {
  Object.defineProperty(prototype, 'release', {
    configurable: true,
    enumerable: false,
    get(this: CheckoutListener) {
      return this.releaseWhileCheckedOut
    },
    set(this: CheckoutListener, poolRelease: PoolRelease) {
      this.checkedOut(poolRelease)
    },
  })
}

/**
 * Contract: pg-pool listens for 'error' on each idle client; on one it removes and ends the
 * client and re-emits the error on the pool as ('error', error, client). Emitting `reason` on an
 * idle pooled client is how pg-dsql retires it; DsqlPool keeps `reason` from the app.
 */
export function removeIdleClient(client: pg.Client, reason: Error): void {
  client.emit('error', reason)
}

/** @internal The key that carries a pool's runtime to the clients it creates. */
const CARRIED = Symbol.for('pg-dsql.runtime')

/**
 * Contract: pg-pool copies its options with `Object.assign` (which keeps symbol keys) and builds
 * each client with `new Client(pool.options)`: a value put on the pool's options under a symbol
 * reaches every client the pool creates.
 */
export function carry<T extends object>(options: T, value: unknown): T & { [CARRIED]: unknown } {
  return Object.assign(options, { [CARRIED]: value })
}

/** The value `carry` put on a pool's options, when `options` came from such a pool. */
export function carried<V>(options: unknown): V | undefined {
  if (typeof options !== 'object' || options === null) return undefined
  return (options as { [CARRIED]?: V })[CARRIED]
}

/**
 * Contract: pg ≥ 8.21's `client.getTransactionStatus()`: `I` idle, `T` in a transaction, `E` in
 * a failed one, null before the first ReadyForQuery. Undefined on an older pg, which the callers
 * read as "not known to be idle", the safe answer.
 */
export function transactionStatus(client: pg.Client): string | null | undefined {
  return (client as { getTransactionStatus?: () => string | null }).getTransactionStatus?.()
}

/**
 * True when a connected `client` is between transactions. Contract: pg (8.23) runs the connect
 * callback, which hands a new connection to pg-pool and on to its first query, before it records
 * the first ReadyForQuery's status, so a connected client still reads null there: that is idle
 * too. Undefined (an older pg) is "not known to be idle".
 */
export function isBetweenTransactions(client: pg.Client): boolean {
  const status = transactionStatus(client)
  return status === 'I' || status === null
}

/**
 * Contract: pg.Client reads `host` and `port` when it connects, not when it is built, and hands
 * them to its socket's `connect(port, host)` and to TLS (servername and the certificate check).
 * A DsqlClient chooses its endpoint just before connecting and points itself there.
 */
export function aimAt(client: pg.Client, host: string, port: number): void {
  client.host = host
  client.port = port
}

/**
 * Contract: `client.connection` emits 'end' when the socket closes, however it closed (the
 * server, the network, `end()`). A connection that dies under a client may mean its endpoint
 * went dark.
 */
export function onConnectionEnd(client: pg.Client, listener: () => void): void {
  ;(client as unknown as { connection: NodeJS.EventEmitter }).connection.once('end', listener)
}

/**
 * Contract: a pg.Client whose connect failed keeps its socket (`client.connection.stream`) open:
 * pg reports the error and does not close it. Destroying that stream closes it.
 */
export function abandonSocket(client: pg.Client): void {
  ;(client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
}

/** A call waiting in pg-pool's queue for a connection. */
interface Waiting {
  callback(error: Error, client?: undefined, release?: () => void): void
}

/**
 * Contract: pg-pool keeps the calls that wait for a connection in `_pendingQueue`, each with the
 * callback that answers it (and clears its own connection timeout), and `end()` leaves them
 * there, pending forever. Answers each with `error` and empties the queue.
 */
export function rejectWaiting(pool: pg.Pool, error: () => Error): void {
  const queue = (pool as unknown as { _pendingQueue?: Waiting[] })._pendingQueue
  if (!Array.isArray(queue)) return
  for (const waiting of queue.splice(0)) waiting.callback(error(), undefined, () => undefined)
}
