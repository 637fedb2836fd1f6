import type { Socket } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import tls from 'node:tls'
import { type DsqlAction, type TokenPrincipal, verifyDsqlToken } from '../auth/index.js'
import {
  type BackendAddress,
  type BackendCatalog,
  BackendConnectError,
  type BackendSession,
} from '../backend/index.js'
import type { StatsRecorder } from '../control/index.js'
import { DSQL_SETTINGS } from '../sql/index.js'
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
import { openBackend } from './backend-login.js'
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
  // The connection's place under the count limit: none yet, held by the handshake, or handed
  // over to the session that started.
  let place = 'none' as 'none' | 'held' | 'handed-over'
  try {
    const started = await handshake(socket, services, () => {
      place = 'held'
    })
    if (started) place = 'handed-over'
  } catch (error) {
    if (!(error instanceof HandshakeAbort) && !(error instanceof BackendConnectError)) {
      process.emitWarning(`pg-dsql emulator: a connection failed unexpectedly: ${(error as Error).message}`)
    }
    socket.destroy()
  } finally {
    clearTimeout(timer)
    if (place === 'held') services.release()
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
  const password = parsePassword(message.body)
  let denial: string | undefined
  try {
    denial = await authenticate(password, user, isAdmin, services)
  } catch (error) {
    // The role lookup could not reach the emulator's backend: the client hears the server is
    // unavailable, as after a failed backend login, rather than a connection cut without a word.
    refuse(secure, {
      ...fatal('XX000', 'server unavailable'),
      detail: `emulator backend: ${(error as Error).message}`,
    })
    return false
  }
  if (denial !== undefined) {
    services.stats.add(services.region, 'AuthFailures')
    refuse(secure, fatal('08006', 'unable to accept connection, access denied', denial))
    return false
  }
  if (database !== 'postgres') {
    refuse(secure, fatal('3D000', `database "${database}" does not exist`))
    return false
  }
  const login = await openBackend(secure, user, params, services)
  if (login.outcome === 'client-left') return false
  if (login.outcome === 'failed') {
    // A startup parameter the role may not set (role, session_authorization): PostgreSQL's
    // refusal, as it would answer it. Anything else is the emulator's backend failing.
    if (login.fields?.code === '42501') refuse(secure, fatal('42501', login.fields.message))
    else
      refuse(secure, { ...fatal('XX000', 'server unavailable'), detail: `emulator backend: ${login.detail}` })
    return false
  }
  const backend = login.session
  const latencyMs = services.latencyMs()
  if (latencyMs > 0) await delay(latencyMs)
  if (secure.destroyed) {
    backend.socket.destroy()
    return false
  }
  const { processId, secretKey } = services.allocateKey()
  const greeting: Buffer[] = [authenticationOk()]
  for (const [name, value] of backend.parameters) {
    greeting.push(parameterStatus(name, DSQL_SETTINGS[name] ?? value))
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
