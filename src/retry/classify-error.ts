import { TransactionOutcomeUnknownError } from '../errors/index.js'
import { isConnectionLoss } from './connection-errors.js'

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

const RETRYABLE = new Set<ErrorClass>(['occ-data', 'occ-schema', 'transient', 'rate-limited'])

/** True for classes a retry may help with; never `outcome-unknown` or `permanent`. */
export function isRetryableClass(errorClass: ErrorClass): boolean {
  return RETRYABLE.has(errorClass)
}

// ORMs wrap pg errors in `.cause` (Drizzle, Prisma), sometimes in AggregateErrors; look a few
// levels deep, never forever (cause chains can be cyclic).
const MAX_DEPTH = 8

/** Every error in `error`'s cause chain and AggregateError members, outermost first. */
function* chain(error: unknown, depth = 0, seen = new Set<unknown>()): Generator<object> {
  if (error === null || typeof error !== 'object' || depth > MAX_DEPTH || seen.has(error)) return
  seen.add(error)
  yield error
  const { cause, errors } = error as { cause?: unknown; errors?: unknown }
  if (Array.isArray(errors)) for (const member of errors) yield* chain(member, depth + 1, seen)
  yield* chain(cause, depth + 1, seen)
}

function codeOf(error: object): string | undefined {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

function messageOf(error: object): string {
  const message = (error as { message?: unknown }).message
  return typeof message === 'string' ? message : ''
}

/** The class of one error, without looking at its causes. */
function classifyOne(error: object): ErrorClass | undefined {
  if (error instanceof TransactionOutcomeUnknownError) return 'outcome-unknown'
  const code = codeOf(error)
  if (code === '40001' || code === 'OC000' || code === 'OC001') {
    // DSQL always sends 40001 and names the kind in the message: (OC000) data, (OC001) schema.
    return code === 'OC001' || messageOf(error).includes('(OC001)') ? 'occ-schema' : 'occ-data'
  }
  if (code === '40P01') return 'transient'
  if (code === '53300' || code === '53400') return 'rate-limited'
  if (code === 'XX000' && messageOf(error).includes('server unavailable')) return 'transient'
  // DSQL refuses a startup with 08006 for several reasons: only a cluster waking up passes;
  // access denied, no TLS or no SNI will not change on a retry.
  if (code === '08006') return messageOf(error).includes('waking up cluster') ? 'transient' : 'permanent'
  if (code === '08P01') return 'permanent'
  if (isConnectionLoss(error)) return 'transient'
  return undefined
}

/**
 * Classifies `error`, looking through `.cause` chains and AggregateErrors, so an ORM's wrapper
 * around a pg error classifies like the pg error. An outcome-unknown anywhere wins; otherwise
 * the outermost error that says something decides.
 */
export function classifyError(error: unknown): ErrorClass {
  let found: ErrorClass | undefined
  for (const member of chain(error)) {
    const errorClass = classifyOne(member)
    if (errorClass === 'outcome-unknown') return errorClass
    found ??= errorClass
  }
  return found ?? 'permanent'
}

/** True when `error` (or an error it wraps) is an optimistic-concurrency conflict: OC000, OC001 or 40001. */
export function isOccError(error: unknown): boolean {
  const errorClass = classifyError(error)
  return errorClass === 'occ-data' || errorClass === 'occ-schema'
}
