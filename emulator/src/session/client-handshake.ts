import type { Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import tls from 'node:tls'
import { type DsqlAction, type TokenPrincipal, verifyDsqlToken } from '../auth/index.js'
import {
  type BackendAddress,
  type BackendCatalog,
  BackendConnectError,
  type BackendSession,
  connectBackend,
} from '../backend/index.js'
import type { StatsRecorder } from '../control/index.js'
import {
  authenticationCleartextPassword,
  authenticationOk,
  backendKeyData,
  type ErrorFields,
  errorResponse,
  FRONTEND,
  negotiateProtocolVersion,
  parameterStatus,
  parsePassword,
  parseStartupPacket,
  readyForQuery,
  TLS_HANDSHAKE_BYTE,
} from '../wire/index.js'
import { HandshakeAbort, PacketReader } from './packet-reader.js'

/** What a handshake needs from the whole cluster, the same for every Region endpoint. */
export interface ClusterHandshakeServices {
  readonly secureContext: tls.SecureContext
  readonly tokenClockSkewSec: number
  readonly principals: ReadonlyMap<string, TokenPrincipal>
  readonly accountId: string
  readonly catalog: BackendCatalog
  readonly backend: BackendAddress
  readonly stats: StatsRecorder
  /** The emulator's clock (with `setClockOffset`), in epoch milliseconds. */
  now(): number
}

/** What a new connection needs from its Region endpoint and the emulator. */
export interface HandshakeServices extends ClusterHandshakeServices {
  readonly region: string
  readonly endpointHost: string
  latencyMs(): number
  /** Rate and count limits: takes a place for the connection, or says why not. */
  admit(): 'ok' | 'rate' | 'count'
  /** Gives the place back (the handshake failed before a session started). */
  release(): void
  cancel(processId: number, secretKey: number): void
  /** A fresh key for the client's BackendKeyData (and its cancel requests). */
  allocateKey(): { processId: number; secretKey: number }
  /** Hands over a ready connection; from here the session owns the connection's place. */
  startSession(session: StartedSession): void
}

export interface StartedSession {
  readonly processId: number
  readonly secretKey: number
  readonly client: tls.TLSSocket
  readonly clientLeftover: Buffer
  readonly backend: BackendSession
  readonly user: string
  readonly isAdmin: boolean
}

/** PostgreSQL gives a client 60 s to authenticate (authentication_timeout). */
const HANDSHAKE_TIMEOUT_MS = 60_000
/** A token with a session token is about 1.5 KB; this leaves ample room. */
const MAX_PASSWORD_MESSAGE_BYTES = 64 * 1024
/** What a real cluster reports, whatever the backend's minor version. */
const SERVER_VERSION = '16.15'

function fatal(code: string, message: string, hint?: string): ErrorFields {
  return hint === undefined
    ? { severity: 'FATAL', code, message }
    : { severity: 'FATAL', code, message, hint }
}

function refuse(socket: Socket, fields: ErrorFields): void {
  if (!socket.destroyed) socket.end(errorResponse(fields))
}

/**
 * Runs one connection from its first byte to a started session: TLS (SSLRequest or direct),
 * SNI, the startup packet, rate and count limits, the IAM token, the role, the database and a
 * backend login. Any failure refuses that one connection with DSQL's error, or closes it;
 * nothing is thrown.
 */
export async function runHandshake(socket: Socket, services: HandshakeServices): Promise<void> {
  const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS)
  timer.unref()
  let admitted = false
  let started = false
  try {
    started = await handshake(socket, services, () => {
      admitted = true
    })
  } catch (error) {
    if (!(error instanceof HandshakeAbort) && !(error instanceof BackendConnectError)) {
      process.emitWarning(`pg-dsql emulator: a connection failed unexpectedly: ${(error as Error).message}`)
    }
    socket.destroy()
  } finally {
    clearTimeout(timer)
    if (admitted && !started) services.release()
  }
}

async function handshake(
  socket: Socket,
  services: HandshakeServices,
  onAdmitted: () => void,
): Promise<boolean> {
  const plain = new PacketReader(socket)
  let secure: tls.TLSSocket
  if ((await plain.peekByte()) === TLS_HANDSHAKE_BYTE) {
    // The Region's latency is paid by the server's first flight, as a network round trip would.
    await roundTrip(services)
    secure = await upgrade(socket, plain.detach(), services, true)
  } else {
    for (;;) {
      const packet = parseStartupPacket(await plain.readUntyped())
      if (packet.kind === 'gssenc') {
        socket.write('N')
        continue
      }
      if (packet.kind === 'cancel') {
        services.cancel(packet.processId, packet.secretKey)
        socket.destroy()
        return false
      }
      if (packet.kind === 'startup') {
        refuse(socket, fatal('08006', 'unable to accept connection, SSL is required'))
        return false
      }
      // Bytes after an SSLRequest, before the answer, would be read as if encrypted.
      if (packet.kind === 'invalid' || plain.buffered > 0) throw new HandshakeAbort('invalid SSL request')
      await roundTrip(services)
      if (socket.destroyed) throw new HandshakeAbort('the client closed the connection')
      socket.write('S')
      secure = await upgrade(socket, plain.detach(), services, false)
      break
    }
  }
  if (typeof secure.servername !== 'string' || secure.servername === '') {
    refuse(secure, fatal('08006', 'unable to accept connection, sni was not received'))
    return false
  }
  const reader = new PacketReader(secure)
  const packet = parseStartupPacket(await reader.readUntyped())
  if (packet.kind === 'cancel') {
    services.cancel(packet.processId, packet.secretKey)
    secure.destroy()
    return false
  }
  if (packet.kind !== 'startup') {
    refuse(secure, fatal('08P01', packet.kind === 'invalid' ? packet.reason : 'unexpected request after TLS'))
    return false
  }
  const params = packet.parameters
  const unrecognized = [...params.keys()].filter((name) => name.startsWith('_pq_.'))
  if (packet.minorVersion > 0 || unrecognized.length > 0)
    secure.write(negotiateProtocolVersion(0, unrecognized))
  const user = params.get('user')
  if (user === undefined || user === '') {
    refuse(secure, fatal('28000', 'no PostgreSQL user name specified in startup packet'))
    return false
  }
  const database = params.get('database') || user
  const admission = services.admit()
  if (admission === 'rate') {
    services.stats.add(services.region, 'RateExceeded')
    refuse(secure, fatal('53400', 'Unable to accept connection, rate exceeded.'))
    return false
  }
  if (admission === 'count') {
    services.stats.add(services.region, 'TooManyConnections')
    refuse(secure, fatal('53300', 'Unable to accept connection, too many open connections.'))
    return false
  }
  onAdmitted()
  secure.write(authenticationCleartextPassword())
  const message = await reader.readTyped(MAX_PASSWORD_MESSAGE_BYTES)
  if (message.type !== FRONTEND.PasswordMessage) throw new HandshakeAbort('expected a password message')
  const isAdmin = user === 'admin'
  const denial = await authenticate(parsePassword(message.body), user, isAdmin, services)
  if (denial !== undefined) {
    services.stats.add(services.region, 'AuthFailures')
    refuse(secure, fatal('08006', 'unable to accept connection, access denied', denial))
    return false
  }
  if (database !== 'postgres') {
    refuse(secure, fatal('3D000', `database "${database}" does not exist`))
    return false
  }
  const backend = await openBackend(secure, user, params, services)
  if (backend === undefined) return false
  const latencyMs = services.latencyMs()
  if (latencyMs > 0) await delay(latencyMs)
  if (secure.destroyed) {
    backend.socket.destroy()
    return false
  }
  const { processId, secretKey } = services.allocateKey()
  const greeting: Buffer[] = [authenticationOk()]
  for (const [name, value] of backend.parameters) {
    greeting.push(parameterStatus(name, name === 'server_version' ? SERVER_VERSION : value))
  }
  greeting.push(backendKeyData(processId, secretKey), readyForQuery('I'))
  secure.write(Buffer.concat(greeting))
  const clientLeftover = reader.detach()
  services.startSession({ processId, secretKey, client: secure, clientLeftover, backend, user, isAdmin })
  return true
}

/** Waits the Region's client latency, as one round trip over the network would take. */
async function roundTrip(services: HandshakeServices): Promise<void> {
  const ms = services.latencyMs()
  if (ms > 0) await delay(ms)
}

async function upgrade(socket: Socket, leftover: Buffer, services: HandshakeServices, direct: boolean) {
  if (leftover.length > 0) socket.unshift(leftover)
  const secure = new tls.TLSSocket(socket, {
    isServer: true,
    secureContext: services.secureContext,
    ALPNProtocols: ['postgresql'],
  })
  await new Promise<void>((resolve, reject) => {
    secure.once('secure', resolve)
    secure.once('error', reject)
    secure.once('close', () => reject(new HandshakeAbort('the client closed the connection during TLS')))
  }).catch((error: Error) => {
    secure.destroy()
    throw error instanceof HandshakeAbort ? error : new HandshakeAbort(`TLS failed: ${error.message}`)
  })
  secure.removeAllListeners('close')
  secure.removeAllListeners('error')
  secure.on('error', () => secure.destroy())
  // Direct TLS must name the protocol by ALPN, as PostgreSQL 17 requires.
  if (direct && secure.alpnProtocol !== 'postgresql') {
    secure.destroy()
    throw new HandshakeAbort('direct TLS without ALPN "postgresql"')
  }
  return secure
}

/** Checks the token and the role; returns the HINT of the refusal, or `undefined` when allowed. */
async function authenticate(token: string, user: string, isAdmin: boolean, services: HandshakeServices) {
  const verdict = verifyDsqlToken({
    token,
    endpointHost: services.endpointHost,
    region: services.region,
    user,
    nowMs: services.now(),
    clockSkewSec: services.tokenClockSkewSec,
    principals: services.principals,
    accountId: services.accountId,
  })
  const action: DsqlAction | undefined = verdict.action
  if (action !== undefined) services.stats.call(services.region, action)
  if (!verdict.ok) return verdict.hint
  if (isAdmin) return undefined
  const role = await services.catalog.authorize(user, verdict.principal.arn)
  return role.ok ? undefined : role.hint
}

/**
 * How long a statement may wait for a lock before the emulator takes the wait for a write
 * conflict (DSQL never waits; it fails one side at COMMIT). Short, so a conflict costs little;
 * long enough that a lock held for an instant (an autocommit write in flight) rarely counts.
 */
export const OCC_LOCK_WAIT_MS = 25

/** Settings the transaction rules rely on: a client may not set them at startup either. */
const EMULATOR_SETTINGS = new Set([
  'options',
  'lock_timeout',
  'default_transaction_isolation',
  'transaction_isolation',
  'statement_timeout',
])

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

/** Logs in to the backend as the client's role; refuses the client when that fails. */
async function openBackend(
  secure: tls.TLSSocket,
  user: string,
  params: ReadonlyMap<string, string>,
  services: HandshakeServices,
): Promise<BackendSession | undefined> {
  const abort = new AbortController()
  const onClose = () => abort.abort()
  secure.once('close', onClose)
  const attempt = () =>
    connectBackend({
      address: services.backend,
      user,
      password: services.catalog.passwordFor(user),
      parameters: backendParameters(params),
      signal: abort.signal,
    })
  try {
    try {
      return await attempt()
    } catch (error) {
      // Someone changed the role's password on the backend: set the derived one again, once. For
      // admin too: roles span the backend's databases, and an emulator bootstrapping another
      // database there sets admin's password from that database's secret.
      if (!(error instanceof BackendConnectError) || error.fields?.code !== '28P01') throw error
      await services.catalog.resetPassword(user)
      return await attempt()
    }
  } catch (error) {
    if (abort.signal.aborted) return undefined
    const detail = error instanceof BackendConnectError ? error.message : String(error)
    refuse(secure, { ...fatal('XX000', 'server unavailable'), detail: `emulator backend: ${detail}` })
    return undefined
  } finally {
    secure.off('close', onClose)
  }
}
