import type { Socket } from 'node:net'
import {
  type BackendAddress,
  type BackendCatalog,
  BackendConnectError,
  type BackendSession,
  connectBackend,
} from '../backend/index.js'
import type { ErrorFields } from '../wire/index.js'

/**
 * How long a statement may wait for a lock before the emulator takes the wait for a write
 * conflict (DSQL never waits; it fails one side at COMMIT). Short, so a conflict costs little;
 * long enough that a lock held for an instant (an autocommit write in flight) rarely counts.
 */
export const OCC_LOCK_WAIT_MS = 25

/** Times a refused login resets the role's password and tries again. */
const MAX_PASSWORD_RESETS = 3

/** Settings the transaction rules rely on: a client may not set them at startup either. */
const EMULATOR_SETTINGS = new Set([
  'options',
  'lock_timeout',
  'default_transaction_isolation',
  'transaction_isolation',
  'statement_timeout',
])

/** The startup parameters of the client's backend session. */
function backendParameters(params: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>([['TimeZone', 'UTC']])
  for (const [name, value] of params) {
    if (name === 'user' || name === 'database' || name === 'replication' || name.startsWith('_pq_.')) continue
    if (EMULATOR_SETTINGS.has(name)) continue
    out.set(name, value)
  }
  // DSQL runs every transaction at REPEATABLE READ (snapshot isolation).
  out.set('default_transaction_isolation', 'repeatable read')
  out.set('lock_timeout', `${OCC_LOCK_WAIT_MS}ms`)
  return out
}

/** Where a client's backend session logs in, and the role passwords it logs in with. */
export interface BackendLoginServices {
  readonly backend: BackendAddress
  readonly catalog: BackendCatalog
}

/** How a backend login ended: a session, the client left first, or the backend failed (why, and its ErrorResponse if any). */
export type BackendLogin =
  | { readonly outcome: 'ok'; readonly session: BackendSession }
  | { readonly outcome: 'client-left' }
  | { readonly outcome: 'failed'; readonly detail: string; readonly fields: ErrorFields | undefined }

/**
 * Logs in to the backend as the client's role, with the client's startup parameters and the
 * settings DSQL's transaction rules need. Gives up when `client` closes first.
 */
export async function openBackend(
  client: Socket,
  user: string,
  params: ReadonlyMap<string, string>,
  services: BackendLoginServices,
): Promise<BackendLogin> {
  const abort = new AbortController()
  const onClose = () => abort.abort()
  client.once('close', onClose)
  const attempt = () =>
    connectBackend({
      address: services.backend,
      user,
      password: services.catalog.passwordFor(user),
      parameters: backendParameters(params),
      signal: abort.signal,
    })
  try {
    for (let resets = 0; ; resets++) {
      try {
        return { outcome: 'ok', session: await attempt() }
      } catch (error) {
        // Someone changed the role's password on the backend: set the derived one again. For
        // admin too: roles span the backend's databases, and an emulator bootstrapping another
        // database there sets admin's password from that database's secret, which can happen
        // again between the reset and the next attempt.
        const refused = error instanceof BackendConnectError && error.fields?.code === '28P01'
        if (!refused || resets === MAX_PASSWORD_RESETS) throw error
        await services.catalog.resetPassword(user)
      }
    }
  } catch (error) {
    if (abort.signal.aborted) return { outcome: 'client-left' }
    if (!(error instanceof BackendConnectError))
      return { outcome: 'failed', detail: String(error), fields: undefined }
    return { outcome: 'failed', detail: error.message, fields: error.fields }
  } finally {
    client.off('close', onClose)
  }
}
