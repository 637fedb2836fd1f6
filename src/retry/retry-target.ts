import type { ResolvedRetry } from '../config/index.js'
import type { EventSink } from '../observability/index.js'
import type { CommitMarkers } from './commit-markers.js'

/** The part of a pg client the transaction runner uses. */
export interface TransactionClient {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ command: string; rowCount: number | null; rows: unknown[] }>
  /** pg ≥ 8.21: `I` idle, `T` in a transaction, `E` in a failed transaction, null before connecting. */
  getTransactionStatus?(): string | null
}

/** A connection borrowed for one attempt. */
export interface Lease<C extends TransactionClient> {
  readonly client: C
  /** Gives the connection back; `destroy` closes it instead (it failed or its state is unknown). */
  release(destroy: boolean): void
}

/**
 * Where transactions get connections: a pool lends a fresh one per attempt, a client lends
 * itself. The transaction runner knows pools and clients only through this.
 */
export interface TransactionTarget<C extends TransactionClient> {
  acquire(): Promise<Lease<C>>
  /** True when a lost connection can be replaced (a pool), false for a lone client. */
  readonly canReconnect: boolean
}

/** A query's result as pg hands it to a callback. */
export type StatementResult = unknown

/**
 * Where a statement's connection stood when it answered: `idle` (alive, no transaction open, so
 * a failed statement applied nothing), `busy` (in a transaction, dead, or not known), or
 * `unsent` (no connection could be had, after the connect's own retries: nothing left).
 */
export type SentState = 'idle' | 'busy' | 'unsent'

/**
 * How one statement ended, and where its connection stood. `autocommit` says the statement ran
 * in an implicit transaction of its own (no BEGIN open before it): if its answer was lost, it may
 * have committed.
 */
export type SendCallback = (
  error: Error | null | undefined,
  result: StatementResult | undefined,
  state: SentState,
  autocommit: boolean,
) => void

/**
 * The one seam between the retry runners and DsqlPool or DsqlClient (as undici's Pool and Client
 * share PoolBase): the settings to retry with, where events go, and how to borrow a connection
 * and send a statement on it. A pool lends a fresh connection per attempt and can replace one
 * that died; a lone client lends itself and cannot.
 */
export interface RetryTarget<C extends TransactionClient> extends TransactionTarget<C> {
  /** The pool's or client's resolved retry settings: the defaults under every call's own. */
  readonly retry: ResolvedRetry
  readonly events: EventSink
  readonly markers: CommitMarkers
  /**
   * Sends one autocommit statement with pg's own query, never the retrying one (a pool checks a
   * connection out for it and gives it back; a client sends on itself), and answers `done` once.
   */
  send(text: unknown, values: unknown, done: SendCallback): void
}
