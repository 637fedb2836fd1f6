/**
 * How a failed query ended, as far as the runner's next move is concerned:
 * - `occ`: `40001` with `(OC000)` or no OCC code: another transaction won; nothing committed.
 * - `schema`: `40001` with `(OC001)`: the session's catalog was stale; nothing committed, and the
 *   next attempt on the same session sees the new catalog.
 * - `unavailable`: `XX000` `server unavailable`; the connection stays usable, but a commit that
 *   got it may have applied (DSQL's troubleshooting guide).
 * - `connection`: the connection broke; a commit under way may have applied.
 * - `outcome-unknown`: the pool already knows a commit's outcome is unknown (pg-dsql's `08007`).
 * - `statement`: the server refused the statement; running it again gives the same answer.
 */
export type QueryFailure = 'occ' | 'schema' | 'unavailable' | 'connection' | 'outcome-unknown' | 'statement'

const SQLSTATE = /^[0-9A-Z]{5}$/
// Node's socket errors: the connection is gone, the statement's fate with it.
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
])
// Admin shutdown, crash shutdown, cannot connect now: the server ended the session.
const SESSION_ENDED = new Set(['57P01', '57P02', '57P03'])

/** The SQLSTATE of a server error, or undefined for anything else. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && SQLSTATE.test(code) ? code : undefined
}

export function classifyFailure(error: unknown): QueryFailure {
  const state = sqlStateOf(error)
  const message = error instanceof Error ? error.message : String(error)
  // DSQL's SQLSTATE is always 40001; which conflict it was appears only in the message.
  if (state === '40001') return message.includes('(OC001)') ? 'schema' : 'occ'
  if (state === 'XX000' && /server unavailable/i.test(message)) return 'unavailable'
  if (state === '08007') return 'outcome-unknown'
  if (state !== undefined)
    return state.startsWith('08') || SESSION_ENDED.has(state) ? 'connection' : 'statement'
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return 'connection'
  // pg's own words when the socket closes under a query; its errors carry no code.
  if (
    /Connection terminated|connection (?:is )?closed|Client has encountered a connection error/i.test(message)
  ) {
    return 'connection'
  }
  return 'statement'
}

/** A conflict DSQL asks the client to retry: nothing was committed. */
export const isConflict = (failure: QueryFailure): boolean => failure === 'occ' || failure === 'schema'

/** After a commit (or an autocommit statement) failed this way, it may or may not have applied. */
export const isOutcomeUnknown = (failure: QueryFailure): boolean =>
  failure === 'unavailable' || failure === 'connection' || failure === 'outcome-unknown'
