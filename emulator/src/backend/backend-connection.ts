import { createHash } from 'node:crypto'
import net from 'node:net'
import tls from 'node:tls'
import { EmulatorError } from '../emulator-error.js'
import {
  BACKEND,
  type ErrorFields,
  MessageReader,
  parseErrorFields,
  parseParameterStatus,
  passwordMessage,
  saslInitialResponse,
  saslResponse,
  sslRequest,
  startupMessage,
} from '../wire/index.js'
import { ScramClient } from './scram-client.js'

/** Where the backend PostgreSQL listens, read from the backend URL. Holds its superuser login. */
export interface BackendAddress {
  readonly host: string
  readonly port: number
  readonly database: string
  readonly user: string
  readonly password: string
  /** `false`: plain TCP; otherwise TLS, verifying the server only for verify-ca/verify-full. */
  readonly tls: false | { readonly rejectUnauthorized: boolean }
}

/** A logged-in backend connection, ready for queries. */
export interface BackendSession {
  readonly socket: net.Socket
  readonly parameters: ReadonlyMap<string, string>
  readonly processId: number
  readonly secretKey: number
  /** Bytes read past the first ReadyForQuery (normally none). */
  readonly leftover: Buffer
}

/**
 * The backend refused a client session's login or could not be reached. `fields` is its
 * ErrorResponse, if any (its SQLSTATE in `fields.code`). The handshake turns it into the
 * client's `XX000`; it never reaches a caller of the package.
 */
export class BackendConnectError extends EmulatorError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-emulator.BackendConnectError')
  override name = 'BackendConnectError' as const
  readonly fields: ErrorFields | undefined

  constructor(message: string, fields?: ErrorFields, cause?: unknown) {
    super(message, 'ERR_DSQL_EMULATOR_BACKEND_CONNECT', { cause })
    this.fields = fields
  }
}

/** Reads a backend URL (`postgres://user:password@host:port/database?sslmode=...`). */
export function parseBackendUrl(url: string): BackendAddress {
  const parsed = new URL(url)
  const sslmode = parsed.searchParams.get('sslmode') ?? 'disable'
  const secure = sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full'
  const user = decodeURIComponent(parsed.username) || 'postgres'
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    database: decodeURIComponent(parsed.pathname.slice(1)) || user,
    user,
    password: decodeURIComponent(parsed.password),
    tls: secure ? { rejectUnauthorized: sslmode !== 'require' } : false,
  }
}

async function openSocket(address: BackendAddress): Promise<net.Socket> {
  const socket = net.connect({ host: address.host, port: address.port })
  socket.setNoDelay(true)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.removeAllListeners('error')
  if (address.tls === false) return socket
  socket.write(sslRequest())
  const answer = await new Promise<Buffer>((resolve, reject) => {
    socket.once('data', resolve)
    socket.once('error', reject)
    socket.once('close', () =>
      reject(new BackendConnectError('the backend closed the connection after SSLRequest')),
    )
  })
  socket.removeAllListeners()
  if (answer.length !== 1 || answer[0] !== 0x53) {
    socket.destroy()
    throw new BackendConnectError('the backend does not accept TLS, but its URL asks for it (sslmode)')
  }
  const secure = tls.connect({
    socket,
    rejectUnauthorized: address.tls.rejectUnauthorized,
    servername: net.isIP(address.host) ? undefined : address.host,
  })
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve)
    secure.once('error', reject)
  })
  secure.removeAllListeners('error')
  return secure
}

/**
 * Opens a backend session as `user`, answering cleartext, MD5 or SCRAM-SHA-256 authentication,
 * and reads up to the first ReadyForQuery. Rejects with `BackendConnectError`; the socket is
 * destroyed on any failure, and when `signal` aborts.
 */
export async function connectBackend(options: {
  address: BackendAddress
  user: string
  password: string
  parameters: ReadonlyMap<string, string>
  signal?: AbortSignal
  timeoutMs?: number
}): Promise<BackendSession> {
  const { address, user, password, signal } = options
  let socket: net.Socket | undefined
  const timer = setTimeout(
    () => socket?.destroy(new BackendConnectError('the backend did not answer in time')),
    options.timeoutMs ?? 10_000,
  )
  const onAbort = () => socket?.destroy(new BackendConnectError('the client went away'))
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (signal?.aborted) throw new BackendConnectError('the client went away')
    socket = await openSocket(address)
    if (signal?.aborted) throw new BackendConnectError('the client went away')
    return await login(socket, user, password, options.parameters, address.database)
  } catch (error) {
    socket?.destroy()
    if (error instanceof BackendConnectError) throw error
    throw new BackendConnectError(
      `cannot reach the backend at ${address.host}:${address.port}: ${(error as Error).message}`,
      undefined,
      error,
    )
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

function login(
  socket: net.Socket,
  user: string,
  password: string,
  parameters: ReadonlyMap<string, string>,
  database: string,
): Promise<BackendSession> {
  return new Promise((resolve, reject) => {
    const reader = new MessageReader(64 * 1024 * 1024)
    const status = new Map<string, string>()
    let processId = 0
    let secretKey = 0
    let scram: ScramClient | undefined
    let settled = false
    const finish = (error: Error | undefined) => {
      if (settled) return
      settled = true
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      if (error !== undefined) return reject(error)
      // Hold further bytes until the session reads them, and never let a socket error go
      // unheard in between: it ends this connection only.
      socket.pause()
      socket.on('error', () => socket.destroy())
      resolve({ socket, parameters: status, processId, secretKey, leftover: reader.drain() })
    }
    const onError = (error: Error) => finish(error)
    const onClose = () => finish(new BackendConnectError('the backend closed the connection during login'))
    const handle = async (type: number, body: Buffer): Promise<boolean> => {
      switch (type) {
        case BACKEND.Authentication: {
          const code = body.readUInt32BE(0)
          if (code === 3) socket.write(passwordMessage(password))
          else if (code === 5) socket.write(passwordMessage(md5Password(user, password, body.subarray(4, 8))))
          else if (code === 10) {
            const mechanisms = body.toString('utf8', 4).split('\0')
            if (!mechanisms.includes('SCRAM-SHA-256'))
              throw new BackendConnectError('the backend offers no SCRAM-SHA-256')
            scram = new ScramClient(password)
            socket.write(saslInitialResponse('SCRAM-SHA-256', Buffer.from(scram.firstMessage)))
          } else if (code === 11 && scram !== undefined) {
            socket.write(saslResponse(Buffer.from(await scram.finalMessage(body.toString('utf8', 4)))))
          } else if (code === 12 && scram !== undefined) {
            scram.verifyFinal(body.toString('utf8', 4))
          } else if (code !== 0) {
            throw new BackendConnectError(
              `the backend asks for an authentication method the emulator lacks (${code})`,
            )
          }
          return false
        }
        case BACKEND.ErrorResponse: {
          const fields = parseErrorFields(body)
          throw new BackendConnectError(`the backend refused the login: ${fields.message}`, fields)
        }
        case BACKEND.ParameterStatus: {
          const [name, value] = parseParameterStatus(body)
          status.set(name, value)
          return false
        }
        case BACKEND.BackendKeyData:
          processId = body.readUInt32BE(0)
          secretKey = body.readUInt32BE(4)
          return false
        case BACKEND.ReadyForQuery:
          return true
        default:
          return false
      }
    }
    // Messages are handled one at a time: SCRAM's key derivation is asynchronous.
    let chain = Promise.resolve()
    const onData = (chunk: Buffer) => {
      reader.push(chunk)
      chain = chain
        .then(async () => {
          for (let frame = reader.next(); frame !== undefined && !settled; frame = reader.next()) {
            if (await handle(frame.type, frame.body)) return finish(undefined)
          }
          if (reader.error !== undefined)
            throw new BackendConnectError('the backend sent a malformed message')
        })
        .catch((error: Error) => finish(error))
    }
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
    const startup = new Map(parameters)
    startup.set('user', user)
    startup.set('database', database)
    socket.write(startupMessage(startup))
  })
}

function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5')
    .update(password + user)
    .digest('hex')
  return `md5${createHash('md5')
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest('hex')}`
}
