import type { DsqlEventError } from './dsql-event.js'
import type { HistogramSnapshot } from './fixed-histogram.js'

/** Cumulative counts, since the pool started. Shared ones are marked: see `DsqlPoolStats`. */
export interface DsqlCounters {
  /** Connections that opened (TCP, TLS and authentication done). */
  readonly connectionsOpened: number
  /** Connects that failed, whatever the reason (auth refusals included). */
  readonly connectionsFailed: number
  /** Connects DSQL refused at authentication (`08006` access denied): the emulator's `AuthFailures`. */
  readonly authFailures: number
  /** Pooled connections the server or the network closed (`connection.lost`). */
  readonly connectionsLost: number
  /** Connections the pool retired on purpose (`connection.recycled`). */
  readonly connectionsRecycled: number
  /** Checkouts that gave up waiting after `connectionTimeoutMillis`. */
  readonly checkoutTimeouts: number
  /** Tokens signed (shared: by this pool's token cache for every pool using it). */
  readonly tokensIssued: number
  /** Signings that failed (shared, as `tokensIssued`). */
  readonly tokenErrors: number
  /** Conflicts met, by kind: `data` (OC000), `schema` (OC001). */
  readonly occConflicts: { readonly data: number; readonly schema: number }
  /** Retries scheduled, by scope. */
  readonly retries: { readonly transaction: number; readonly autocommit: number }
  /** Calls whose retries ran out, by scope. */
  readonly retriesExhausted: { readonly transaction: number; readonly autocommit: number }
  /** `transaction()` calls, by outcome. */
  readonly transactions: {
    readonly committed: number
    readonly rolledBack: number
    readonly failed: number
    readonly unknown: number
  }
  /**
   * Commits whose outcome is unknown (`TransactionOutcomeUnknownError`): a `transaction()`'s
   * COMMIT, or an autocommit write, whose answer was lost.
   */
  readonly outcomeUnknown: { readonly transaction: number; readonly autocommit: number }
  /** New connections moved away from a failed endpoint (shared: the router's). */
  readonly failovers: number
  /** New connections moved back to a recovered endpoint (shared). */
  readonly failbacks: number
  /** Times an endpoint was found down (shared). */
  readonly endpointsDown: number
  /** Times an endpoint came back (shared). */
  readonly endpointsUp: number
}

/** One endpoint in `pool.stats()`. */
export interface EndpointStats {
  readonly host: string
  readonly region: string
  readonly port: number
  readonly healthy: boolean
  /** New connections go here now. */
  readonly preferred: boolean
  /** Smoothed probe round trip in milliseconds (EWMA), undefined before the first probe answered. */
  readonly latencyMs: number | undefined
  /** This pool's open connections to it, and how many of them are checked out. */
  readonly openConnections: number
  readonly usedConnections: number
}

/**
 * `pool.stats()`: a snapshot taken without I/O. Counts are cumulative since the pool was built.
 * Token, failover, failback and endpoint-health counts come from state the pool shares with
 * other pools of the same configuration (one token cache, one router): they count what that
 * shared state did since this pool was built, whichever pool caused it.
 */
export interface DsqlPoolStats {
  readonly pool: {
    /** Open connections, and connections being opened. */
    readonly total: number
    readonly idle: number
    /** Calls waiting for a connection. */
    readonly waiting: number
    /** pg's `max` and `min` options. */
    readonly max: number
    readonly min: number
  }
  /** Who the pool connects as and to what database, for metric names and attributes. */
  readonly database: string
  readonly endpoints: readonly EndpointStats[]
  readonly counters: DsqlCounters
  readonly histograms: {
    /** Seconds from asking for a connection to getting one (retries of the connect included). */
    readonly checkoutWaitSec: HistogramSnapshot
    /** Seconds to open a connection (TCP, TLS, authentication). */
    readonly connectSec: HistogramSnapshot
    /** Seconds a connection stayed checked out. */
    readonly useSec: HistogramSnapshot
    /** Attempts each `transaction()` took, whatever its outcome. */
    readonly transactionAttempts: HistogramSnapshot
  }
}

/** The histograms whose single observations an observer can hear. */
export const SAMPLE_NAMES = ['checkoutWaitSec', 'connectSec', 'useSec', 'transactionAttempts'] as const
export type SampleName = (typeof SAMPLE_NAMES)[number]

/**
 * What an adapter hears from a pool beyond `stats()`: each histogram observation as it is
 * recorded (OpenTelemetry histograms need single values), and the pool's end (a last flush).
 * Both are called synchronously on the path that recorded them, so they must be cheap and
 * must not throw; an exception is swallowed.
 */
export interface PoolObserver {
  sample?(name: SampleName, value: number): void
  ended?(): void
  /**
   * A `transaction()` attempt begins: return a span that runs it (its queries run inside `run`,
   * so a tracer's context reaches them) and hears how it ended. The first observer that has
   * this traces.
   */
  startAttempt?(attempt: AttemptInfo): AttemptSpan
}

/** One attempt of a `transaction()` call. */
export interface AttemptInfo {
  /** 1 for the first; above 1, the attempt is a retry. */
  readonly attempt: number
  readonly readOnly: boolean
}

/** A traced attempt. */
export interface AttemptSpan {
  run<R>(attempt: () => Promise<R>): Promise<R>
  /** The attempt committed, or failed with `error` (name and code only). */
  end(outcome: { readonly committed: boolean; readonly error: DsqlEventError | undefined }): void
}

/** The part of a DsqlPool the adapters use. */
export interface ObservedPool {
  stats(): DsqlPoolStats
  /** Adds an observer; returns its removal. */
  observe(observer: PoolObserver): () => void
}
