import type { ResolvedRetry } from '../config/index.js'
import { errorVerdict } from '../errors/index.js'
import type { EventSink } from '../observability/index.js'
import { eventError } from '../observability/index.js'
import { backoffDelayMs } from './backoff.js'

/** What the autocommit retry knows about the failed statement. */
export interface AutocommitFailure {
  readonly error: unknown
  /** The attempt that failed (1 for the first). */
  readonly attempt: number
  readonly startedAt: number
  /**
   * Why this failure may be retried: `conflict` for a statement that lost a conflict in its own
   * implicit transaction (nothing applied), `lost-read` for a read-only statement whose
   * connection died (nothing to apply), `connect` for a connection that failed to open (nothing
   * was sent).
   */
  readonly allow: 'conflict' | 'lost-read' | 'connect'
}

/**
 * The wait before retrying a failed autocommit statement, or undefined to give up. A statement
 * that failed with 40001 did not apply, so it is retried; a write whose connection died may have
 * applied, so only read-only statements are retried after a connection loss (by the pool).
 */
export function autocommitRetryDelay(
  failure: AutocommitFailure,
  retry: ResolvedRetry,
  events: EventSink,
  now: () => number = Date.now,
): number | undefined {
  const { error, attempt } = failure
  const verdict = errorVerdict(error)
  const errorClass = verdict.errorClass
  const isConflict = errorClass === 'occ-data' || errorClass === 'occ-schema'
  // A connect sent nothing and a read-only statement can run twice, so for those even a failure
  // that may have applied work ('if-idempotent') may go again.
  const allowed = failure.allow === 'conflict' ? isConflict : verdict.retry !== 'never'
  if (!allowed) return undefined
  if (isConflict) {
    const kind = errorClass === 'occ-data' ? 'data' : 'schema'
    events.tally.occConflict(kind)
    events.emit(() => ({
      type: 'occ.conflict',
      kind,
      attempt,
      scope: 'autocommit',
    }))
  }
  if (retry.shouldRetry !== undefined && !retry.shouldRetry(error, attempt)) return undefined
  const delayMs = backoffDelayMs(attempt, retry)
  const elapsedMs = now() - failure.startedAt
  if (attempt >= retry.maxAttempts || elapsedMs + delayMs > retry.deadlineMs) {
    events.tally.exhausted('autocommit')
    events.emit(() => ({
      type: 'retry.exhausted',
      attempts: attempt,
      elapsedMs,
      scope: 'autocommit',
      error: eventError(error),
    }))
    return undefined
  }
  events.tally.retried('autocommit')
  events.emit(() => ({
    type: 'retry',
    attempt,
    delayMs,
    scope: 'autocommit',
    reason: errorClass,
    error: eventError(error),
  }))
  retry.onRetry?.(
    Object.freeze({ error, attempt, delayMs, elapsedMs, errorClass, scope: 'autocommit' as const }),
  )
  return delayMs
}

const WRITE_OR_LOCK =
  /\b(?:insert|update|delete|merge|upsert|truncate|create|alter|drop|grant|revoke|call|do|copy|lock|nextval|setval|for\s+(?:no\s+key\s+)?update|for\s+(?:key\s+)?share)\b/i
const READ_START = /^\s*(?:select|with|show|values|table|explain)\b/i

/**
 * True when a statement can only read: it starts like a query and names nothing that writes or
 * locks. Conservative on purpose (a function with side effects called from a SELECT is missed),
 * because it decides whether a statement whose connection died may be sent again.
 */
export function isReadOnlyStatement(text: string): boolean {
  const sql = text.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
  return READ_START.test(sql) && !WRITE_OR_LOCK.test(sql)
}

/** `isReadOnlyStatement` for a query given as text or as a pg query config object. */
export function isReadOnlyQuery(query: unknown): boolean {
  const text = typeof query === 'string' ? query : (query as { text?: unknown } | null)?.text
  return typeof text === 'string' && isReadOnlyStatement(text)
}
