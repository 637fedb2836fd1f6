/** A pg error's SQLSTATE or Node's socket error code, when it has one. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

const SOCKET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

/**
 * True when a connection died under the client: the socket closed or reset (DSQL's 60-minute
 * cap closes with no ErrorResponse, so pg says "Connection terminated unexpectedly" without a
 * code), the server ended the session (class 57P), or the connection failed (class 08).
 */
export function isConnectionLoss(error: unknown): boolean {
  const code = codeOf(error)
  if (code !== undefined) {
    return SOCKET_CODES.has(code) || code.startsWith('08') || code.startsWith('57P')
  }
  const message = (error as { message?: unknown } | null)?.message
  return (
    typeof message === 'string' &&
    (message === 'Connection terminated unexpectedly' ||
      message === 'Connection terminated' ||
      message.startsWith('Connection terminated due to connection timeout') ||
      message === 'timeout expired')
  )
}

/**
 * True when DSQL refused the IAM token. DSQL sends 08006 for several startup refusals (no TLS,
 * no SNI, a cluster waking up); only "access denied" means the token itself, so the text is
 * the only way to tell them apart.
 */
export function isAccessDenied(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message
  return codeOf(error) === '08006' && typeof message === 'string' && message.includes('access denied')
}

/** DSQL's `XX000 server unavailable`: the service, not the statement, failed; the connection stays usable. */
export function isServerUnavailable(error: unknown): boolean {
  return codeOf(error) === 'XX000'
}
