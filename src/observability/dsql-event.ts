/**
 * The one event type pg-dsql emits, through the `onEvent` option and the `diagnostics_channel`
 * channel `pg-dsql:event`. A discriminated union on `type`; type names are lower-case
 * `noun.verb`. No event ever carries a token, password, secret or signed URL, and errors appear
 * only as `{ name, code }`.
 */

/** An error as events describe it: never its message, which may quote server text. */
export interface DsqlEventError {
  readonly name: string
  readonly code?: string | undefined
}

/** Fields every event about one endpoint carries. */
export interface EndpointFields {
  /** The endpoint host (`<cluster-id>.dsql.<region>.on.aws`), never its address. */
  readonly endpoint: string
  readonly region: string
}

/** Why a token was minted. */
export type TokenIssueReason = 'initial' | 'refresh' | 'rejected'

export interface TokenIssuedEvent extends EndpointFields {
  readonly type: 'token.issued'
  readonly action: 'DbConnect' | 'DbConnectAdmin'
  readonly reason: TokenIssueReason
  /** Time spent resolving credentials and signing. */
  readonly durationMs: number
  /** When the token stops being accepted, in epoch milliseconds. */
  readonly expiresAt: number
}

export interface TokenErrorEvent extends EndpointFields {
  readonly type: 'token.error'
  readonly action: 'DbConnect' | 'DbConnectAdmin'
  readonly error: DsqlEventError
}

export interface ConnectEvent extends EndpointFields {
  readonly type: 'connect'
  /** TCP, TLS and authentication, until the server is ready for queries. */
  readonly durationMs: number
}

export interface ConnectErrorEvent extends EndpointFields {
  readonly type: 'connect.error'
  readonly durationMs: number
  readonly error: DsqlEventError
}

/** The server or the network closed a pooled connection while it was idle; the pool replaces it on demand. */
export interface ConnectionLostEvent extends EndpointFields {
  readonly type: 'connection.lost'
  readonly error: DsqlEventError
}

/** The pool retired a connection on purpose. */
export interface ConnectionRecycledEvent extends EndpointFields {
  readonly type: 'connection.recycled'
  /** `lifetime`: its drawn lifetime ran out; `unhealthy`: its endpoint failed; `failback` and
   * `rebalance`: new connections now go to another endpoint. */
  readonly reason: 'lifetime' | 'failback' | 'unhealthy' | 'rebalance'
  readonly ageMs: number
}

export interface OccConflictEvent {
  readonly type: 'occ.conflict'
  /** `data` for OC000 (a write conflict), `schema` for OC001 (a catalog change). */
  readonly kind: 'data' | 'schema'
  readonly attempt: number
  readonly scope: 'transaction' | 'autocommit'
}

export interface RetryEvent {
  readonly type: 'retry'
  /** The attempt that failed; the next one is `attempt + 1`. */
  readonly attempt: number
  readonly delayMs: number
  readonly scope: 'transaction' | 'autocommit'
  readonly reason: string
  readonly error: DsqlEventError
}

export interface RetryExhaustedEvent {
  readonly type: 'retry.exhausted'
  readonly attempts: number
  readonly elapsedMs: number
  readonly scope: 'transaction' | 'autocommit'
  readonly error: DsqlEventError
}

export interface TransactionEvent {
  readonly type: 'transaction'
  readonly outcome: 'committed' | 'rolled-back' | 'failed' | 'unknown'
  readonly attempts: number
  readonly durationMs: number
  readonly readOnly: boolean
}

export interface EndpointHealthEvent extends EndpointFields {
  readonly type: 'endpoint.health'
  readonly healthy: boolean
  readonly error?: DsqlEventError | undefined
}

export interface FailoverEvent {
  readonly type: 'failover'
  readonly from: string
  readonly to: string
  readonly fromRegion: string
  readonly toRegion: string
}

export interface FailbackEvent {
  readonly type: 'failback'
  readonly from: string
  readonly to: string
  readonly fromRegion: string
  readonly toRegion: string
}

export type DsqlEvent =
  | TokenIssuedEvent
  | TokenErrorEvent
  | ConnectEvent
  | ConnectErrorEvent
  | ConnectionLostEvent
  | ConnectionRecycledEvent
  | OccConflictEvent
  | RetryEvent
  | RetryExhaustedEvent
  | TransactionEvent
  | EndpointHealthEvent
  | FailoverEvent
  | FailbackEvent

/** Every event type, for adapters that subscribe by name. */
export const DSQL_EVENT_TYPES = [
  'token.issued',
  'token.error',
  'connect',
  'connect.error',
  'connection.lost',
  'connection.recycled',
  'occ.conflict',
  'retry',
  'retry.exhausted',
  'transaction',
  'endpoint.health',
  'failover',
  'failback',
] as const satisfies readonly DsqlEvent['type'][]

export type DsqlEventType = (typeof DSQL_EVENT_TYPES)[number]
