import { REFUSAL_WINDOW_MS, type TokenKey, type TokenProvider } from '../auth/index.js'
import { DsqlAuthError } from '../errors/index.js'

// The refusals made here, not by DSQL: a connect that fails with one of them sent no token.
const ours = new WeakSet<DsqlAuthError>()

/**
 * The error for a connect refused at once because `role`'s tokens of this key keep being refused
 * (see TokenProvider.refused), or undefined when that role is not blocked. Checked before a connect
 * opens a socket, and again before it hands over a token: a connect already under way when the
 * key was blocked must not sign again, or each of a pool's connects in flight re-signs in turn.
 */
export function persistentRefusal(
  tokens: TokenProvider,
  key: TokenKey,
  role: string,
): DsqlAuthError | undefined {
  const refusal = tokens.refusalFor(key, role)
  if (!(refusal instanceof DsqlAuthError)) return undefined
  const error = new DsqlAuthError(
    `${refusal.message} It was refused again moments ago, so pg-dsql does not sign and connect again for ` +
      `${REFUSAL_WINDOW_MS / 1000} s; connects fail at once meanwhile.`,
    { endpoint: refusal.endpoint, hint: refusal.hint, cause: refusal },
  )
  ours.add(error)
  return error
}

/** A refusal of `persistentRefusal`'s: DSQL saw no token, so it is no new refusal to count. */
export const isPersistentRefusal = (error: unknown): boolean =>
  error instanceof DsqlAuthError && ours.has(error)
