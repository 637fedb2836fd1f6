import { DsqlAuthError } from './dsql-auth-error.js'
import { OccRetryExhaustedError } from './occ-retry-exhausted-error.js'
import { TransactionOutcomeUnknownError } from './transaction-outcome-unknown-error.js'

/**
 * What a failure means for a retry:
 * - `occ-data`: a write conflict (40001, OC000, or a plain serialization failure); nothing applied.
 * - `occ-schema`: the session's catalog was stale (40001 with OC001); nothing applied.
 * - `transient`: the connection or the service failed (connection lost, `XX000 server
 *   unavailable`, a cluster waking up); retryable before COMMIT was sent.
 * - `rate-limited`: DSQL refused a new connection (53300 too many, 53400 rate exceeded).
 * - `outcome-unknown`: a commit may or may not have landed; never retried on its own.
 * - `permanent`: anything else (constraint violations, syntax, limits, auth).
 */
export const ERROR_CLASSES = [
  'occ-data',
  'occ-schema',
  'transient',
  'rate-limited',
  'outcome-unknown',
  'permanent',
] as const
export type ErrorClass = (typeof ERROR_CLASSES)[number]

/**
 * Whether the failed statement may be sent again:
 * - `safe`: nothing was applied; any statement may go again.
 * - `if-idempotent`: it may or may not have applied; only what can run twice may go again (a
 *   read-only statement, a connect that sent nothing, a transaction before its COMMIT).
 * - `never`: a retry will not help.
 *
 * @internal
 */
export const RETRY_SAFETY = ['safe', 'if-idempotent', 'never'] as const
export type RetrySafety = (typeof RETRY_SAFETY)[number]

/** @internal What the error catalog (`errorVerdict`) decides about one error. */
export interface ErrorVerdict {
  readonly errorClass: ErrorClass
  readonly retry: RetrySafety
  /** The endpoint itself may be unreachable or failing (not: this client was refused). */
  readonly endpointFault: boolean
  /** The connection the error came on is gone; it cannot be used again. */
  readonly connectionLost: boolean
  /** DSQL refused the IAM token itself (`08006 … access denied`). */
  readonly tokenRefused: boolean
  /** The SQLSTATE or Node socket code that decided, if any. */
  readonly code: string | undefined
  /** A short reason for snapshots and messages: a code and a few words, never server text or a token. */
  readonly reason: string
}

/** One catalog row: the verdict without the code, which comes from the error. */
type Entry = Omit<ErrorVerdict, 'code' | 'reason'> & {
  /** The reason; without one, the code is the reason. */
  readonly reason?: string
}

/** A row that applies only when the message holds `marker` (lower case); no marker matches any text. */
type Variant = Entry & { readonly marker?: string }

function entry(
  errorClass: ErrorClass,
  retry: RetrySafety,
  flags: { endpointFault?: boolean; connectionLost?: boolean; tokenRefused?: boolean } = {},
  reason?: string,
): Entry {
  return {
    errorClass,
    retry,
    endpointFault: flags.endpointFault ?? false,
    connectionLost: flags.connectionLost ?? false,
    tokenRefused: flags.tokenRefused ?? false,
    ...(reason === undefined ? {} : { reason }),
  }
}

// A Map, so an error's code is never looked up on Object.prototype ('constructor', '__proto__').
function tableOf<T>(rows: Record<string, T>): ReadonlyMap<string, T> {
  return new Map(Object.entries(rows))
}

/** The connection died, or never opened: the endpoint may be unreachable, and a sent statement may have applied. */
const LOST = { endpointFault: true, connectionLost: true }
const CONNECTION_LOST = entry('transient', 'if-idempotent', LOST)

/** An error that says nothing: permanent, named by its code when it has one. */
const SILENT = entry('permanent', 'never')
const OCC_DATA = entry('occ-data', 'safe', {}, '40001 OC000 data conflict')
const OCC_SCHEMA = entry('occ-schema', 'safe', {}, '40001 OC001 schema conflict')
const ACCESS_DENIED = entry(
  'permanent',
  'never',
  { connectionLost: true, tokenRefused: true },
  '08006 access denied',
)
const OUTCOME_UNKNOWN = entry('outcome-unknown', 'never', { connectionLost: true }, '08007 outcome unknown')
/**
 * pg-dsql's own retries of a conflict ran out: still a conflict to `isOccError`, but an outer
 * retry loop (`retryTransaction` around `pool.transaction()`) must not multiply the budget.
 */
const EXHAUSTED_DATA = entry('occ-data', 'never', {}, '40001 OC000 retries exhausted')
const EXHAUSTED_SCHEMA = entry('occ-schema', 'never', {}, '40001 OC001 retries exhausted')

/**
 * SQLSTATEs that decide. DSQL gives some of its answers one SQLSTATE and tells them apart only in
 * the message (the 08006 startup refusals, XX000 server unavailable, OC000/OC001 inside a 40001),
 * so there a marker, a stable fragment of the text, narrows the code; the first variant that
 * matches wins. DSQL's wording drifts between releases (OC000 has had three texts): markers are
 * the parts that stayed. A SQLSTATE not listed here (a constraint violation, syntax, a DSQL limit,
 * an unsupported feature) says nothing: a wrapped error may still decide, otherwise it is permanent.
 */
const SQLSTATES: ReadonlyMap<string, readonly Variant[]> = tableOf<readonly Variant[]>({
  '40001': [
    { marker: '(oc001)', ...OCC_SCHEMA },
    { marker: '(oc000)', ...OCC_DATA },
    entry('occ-data', 'safe', {}, '40001 serialization failure'),
  ],
  // AWS's own connectors accept the OC codes as the SQLSTATE, so a wrapper may carry them.
  OC000: [entry('occ-data', 'safe', {}, 'OC000 data conflict')],
  OC001: [entry('occ-schema', 'safe', {}, 'OC001 schema conflict')],
  '40P01': [entry('transient', 'safe', {}, '40P01 deadlock')],
  '53300': [entry('rate-limited', 'safe', {}, '53300 too many connections')],
  '53400': [entry('rate-limited', 'safe', {}, '53400 rate exceeded')],
  // Any internal error is XX000; only DSQL's "server unavailable" says the service failed (the
  // connection stays usable). Another XX000 says nothing about the endpoint.
  XX000: [
    {
      marker: 'server unavailable',
      ...entry('transient', 'if-idempotent', { endpointFault: true }, 'XX000 server unavailable'),
    },
  ],
  // DSQL refuses a startup with 08006 for several reasons; only a cluster waking up passes on a retry.
  '08006': [
    { marker: 'access denied', ...ACCESS_DENIED },
    {
      marker: 'waking up cluster',
      ...entry('transient', 'safe', { connectionLost: true }, '08006 waking up cluster'),
    },
    {
      marker: 'sni was not received',
      ...entry('permanent', 'never', { connectionLost: true }, '08006 no SNI'),
    },
    {
      marker: 'ssl is required',
      ...entry('permanent', 'never', { connectionLost: true }, '08006 TLS required'),
    },
    entry('permanent', 'never', { connectionLost: true }),
  ],
  '08007': [OUTCOME_UNKNOWN],
  // DSQL's oversized-message refusal; the session ends, and the same message fails again.
  '08P01': [entry('permanent', 'never', { connectionLost: true }, '08P01 protocol violation')],
})

/**
 * Classes of SQLSTATE, by prefix, for codes not listed above: a connection exception (08) and
 * operator intervention (57P: admin shutdown, crash, cannot connect now) end the session.
 */
const SQLSTATE_CLASSES: ReadonlyMap<string, Entry> = tableOf<Entry>({
  '08': CONNECTION_LOST,
  '57P': CONNECTION_LOST,
})

/** Node's codes for a socket that could not connect, or died: the endpoint may be unreachable. */
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
])

/** @internal The reason of pg-pool's checkout timeout, which has no code. */
export const CHECKOUT_TIMED_OUT = 'checkout timed out'

/**
 * pg and pg-pool report a dead connection with no code; their own words are the only sign
 * (DSQL's 60-minute cap closes the socket with no ErrorResponse: "Connection terminated unexpectedly").
 */
const PG_MESSAGES: ReadonlyMap<string, Entry> = new Map([
  ['Connection terminated unexpectedly', entry('transient', 'if-idempotent', LOST, 'connection closed')],
  ['Connection terminated', entry('transient', 'if-idempotent', LOST, 'connection closed')],
  [
    'Client has encountered a connection error and is not queryable',
    entry('transient', 'if-idempotent', LOST, 'connection closed'),
  ],
  ['Connection terminated due to connection timeout', entry('transient', 'if-idempotent', LOST, 'timed out')],
  ['timeout expired', entry('transient', 'if-idempotent', LOST, 'timed out')],
  // pg-pool's own checkout timeout (connectionTimeoutMillis while every connection was busy): the
  // app's deadline, not a fault, so it is not retried; its reason lets stats() count it.
  ['timeout exceeded when trying to connect', entry('permanent', 'never', {}, CHECKOUT_TIMED_OUT)],
])

/**
 * The PG_MESSAGES row for a codeless message, also after Knex rewrote it in place: Knex puts the
 * failed SQL in front of a pg error's message (`BEGIN; - Connection terminated unexpectedly`).
 */
function pgMessageRow(message: string): Entry | undefined {
  const row = PG_MESSAGES.get(message)
  const cut = message.lastIndexOf(' - ')
  return row !== undefined || cut < 0 ? row : PG_MESSAGES.get(message.slice(cut + ' - '.length))
}

/**
 * Codes an ORM puts on its own error in place of the SQLSTATE: Prisma's P2034 is "transaction
 * failed due to a write conflict or a deadlock", a 40001 or 40P01 underneath.
 */
const ORM_CODES: ReadonlyMap<string, Entry> = tableOf<Entry>({
  P2034: entry('occ-data', 'safe', {}, 'P2034 write conflict'),
})

/**
 * Prisma's driver adapters describe an error by `kind`; a pg error keeps its SQLSTATE as
 * `originalCode` (read like `code`), but a socket error keeps only its kind.
 */
const PRISMA_KINDS: ReadonlyMap<string, Entry> = tableOf<Entry>({
  TransactionWriteConflict: OCC_DATA,
  ConnectionClosed: entry('transient', 'if-idempotent', LOST, 'connection closed'),
  SocketTimeout: entry('transient', 'if-idempotent', LOST, 'timed out'),
  DatabaseNotReachable: entry('transient', 'if-idempotent', LOST, 'unreachable'),
})

// ORMs wrap pg errors, and each its own way: `.cause` (Drizzle, Prisma's DriverAdapterError),
// `.parent` and `.original` (Sequelize), `.driverError` (TypeORM's QueryFailedError), `.previous`
// (MikroORM's DriverException), `.meta.driverAdapterError` (Prisma's client errors), members of
// an AggregateError. Look a few levels deep, never forever (wrappers can point at each other).
const MAX_DEPTH = 8
const WRAPPED = ['cause', 'parent', 'original', 'driverError', 'previous'] as const

/** Every error `error` wraps, at any depth, outermost first. */
function* chain(error: unknown, depth = 0, seen = new Set<unknown>()): Generator<object> {
  if (error === null || typeof error !== 'object' || depth > MAX_DEPTH || seen.has(error)) return
  seen.add(error)
  yield error
  const wrapper = error as Record<string, unknown>
  const errors = wrapper.errors
  if (Array.isArray(errors)) for (const member of errors) yield* chain(member, depth + 1, seen)
  for (const key of WRAPPED) yield* chain(wrapper[key], depth + 1, seen)
  const meta = wrapper.meta as { driverAdapterError?: unknown } | null | undefined
  if (typeof meta === 'object' && meta !== null) yield* chain(meta.driverAdapterError, depth + 1, seen)
}

/** The SQLSTATE (or socket code) an error carries: pg's `code`, or Prisma's `originalCode`. */
function codeOf(error: object): string | undefined {
  const { code, originalCode } = error as { code?: unknown; originalCode?: unknown }
  if (typeof code === 'string') return code
  return typeof originalCode === 'string' ? originalCode : undefined
}

function messageOf(error: object): string {
  const { message, originalMessage } = error as { message?: unknown; originalMessage?: unknown }
  if (typeof message === 'string') return message
  return typeof originalMessage === 'string' ? originalMessage : ''
}

function verdict(row: Entry, code: string | undefined): ErrorVerdict {
  return {
    errorClass: row.errorClass,
    retry: row.retry,
    endpointFault: row.endpointFault,
    connectionLost: row.connectionLost,
    tokenRefused: row.tokenRefused,
    code,
    reason: row.reason ?? code ?? 'failed',
  }
}

/** The catalog row for one error, without looking at its causes; undefined when it says nothing. */
function rowOf(error: object): { row: Entry; code: string | undefined } | undefined {
  if (error instanceof TransactionOutcomeUnknownError) return { row: OUTCOME_UNKNOWN, code: '08007' }
  if (error instanceof DsqlAuthError) return { row: ACCESS_DENIED, code: '08006' }
  if (error instanceof OccRetryExhaustedError) {
    const last = error.cause instanceof Object ? rowOf(error.cause) : undefined
    return { row: last?.row.errorClass === 'occ-schema' ? EXHAUSTED_SCHEMA : EXHAUSTED_DATA, code: '40001' }
  }
  const code = codeOf(error)
  if (code === undefined) {
    const kind = (error as { kind?: unknown }).kind
    const row = typeof kind === 'string' ? PRISMA_KINDS.get(kind) : pgMessageRow(messageOf(error))
    return row === undefined ? undefined : { row, code }
  }
  const ormRow = ORM_CODES.get(code)
  if (ormRow !== undefined) return { row: ormRow, code }
  const variants = SQLSTATES.get(code)
  if (variants !== undefined) {
    const message = messageOf(error).toLowerCase()
    const row = variants.find((variant) => variant.marker === undefined || message.includes(variant.marker))
    return row === undefined ? undefined : { row, code }
  }
  if (SOCKET_CODES.has(code)) return { row: CONNECTION_LOST, code }
  if (code.length !== 5) return undefined
  const row = SQLSTATE_CLASSES.get(code.slice(0, 3)) ?? SQLSTATE_CLASSES.get(code.slice(0, 2))
  return row === undefined ? undefined : { row, code }
}

/**
 * The one decision about an error: its class, whether a retry is safe, whether the endpoint is
 * to blame, whether the token was refused, and a short reason. It looks through `.cause` chains
 * and AggregateError members, so an ORM's wrapper around a pg error decides like the pg error:
 * an outcome-unknown anywhere wins; otherwise the outermost error that says something decides.
 * An error that says nothing is permanent, named by the outermost code in it.
 *
 * @internal
 */
export function errorVerdict(error: unknown): ErrorVerdict {
  let decided: { row: Entry; code: string | undefined } | undefined
  let firstCode: string | undefined
  for (const member of chain(error)) {
    const found = rowOf(member)
    if (found?.row.errorClass === 'outcome-unknown') return verdict(found.row, found.code)
    decided ??= found
    firstCode ??= codeOf(member)
  }
  return decided === undefined ? verdict(SILENT, firstCode) : verdict(decided.row, decided.code)
}

/**
 * Classifies `error`, looking through `.cause` chains and AggregateErrors, so an ORM's wrapper
 * around a pg error classifies like the pg error. An outcome-unknown anywhere wins; otherwise
 * the outermost error that says something decides.
 */
export function classifyError(error: unknown): ErrorClass {
  return errorVerdict(error).errorClass
}

/** True when `error` (or an error it wraps) is an optimistic-concurrency conflict: OC000, OC001 or 40001. */
export function isOccError(error: unknown): boolean {
  const errorClass = classifyError(error)
  return errorClass === 'occ-data' || errorClass === 'occ-schema'
}
