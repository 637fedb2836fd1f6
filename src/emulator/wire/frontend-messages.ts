import { FRONTEND } from './message-types.js'
import { REQUEST_CODES } from './startup-packet.js'

function frame(type: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length)
  out[0] = type
  out.writeUInt32BE(4 + body.length, 1)
  body.copy(out, 5)
  return out
}

function cstring(value: string): Buffer {
  return Buffer.from(`${value}\0`, 'utf8')
}

/** A protocol 3.0 StartupMessage with the given parameters. */
export function startupMessage(parameters: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.alloc(8)]
  for (const [name, value] of parameters) parts.push(cstring(name), cstring(value))
  parts.push(Buffer.from([0]))
  const out = Buffer.concat(parts)
  out.writeUInt32BE(out.length, 0)
  out.writeUInt32BE(196608, 4)
  return out
}

export function sslRequest(): Buffer {
  const out = Buffer.allocUnsafe(8)
  out.writeUInt32BE(8, 0)
  out.writeUInt32BE(REQUEST_CODES.ssl, 4)
  return out
}

export function cancelRequest(processId: number, secretKey: number): Buffer {
  const out = Buffer.allocUnsafe(16)
  out.writeUInt32BE(16, 0)
  out.writeUInt32BE(REQUEST_CODES.cancel, 4)
  out.writeUInt32BE(processId >>> 0, 8)
  out.writeUInt32BE(secretKey >>> 0, 12)
  return out
}

export function passwordMessage(password: string): Buffer {
  return frame(FRONTEND.PasswordMessage, cstring(password))
}

export function saslInitialResponse(mechanism: string, data: Buffer): Buffer {
  const length = Buffer.allocUnsafe(4)
  length.writeInt32BE(data.length, 0)
  return frame(FRONTEND.PasswordMessage, Buffer.concat([cstring(mechanism), length, data]))
}

export function saslResponse(data: Buffer): Buffer {
  return frame(FRONTEND.PasswordMessage, data)
}

export function query(sql: string): Buffer {
  return frame(FRONTEND.Query, cstring(sql))
}

const SYNC = frame(FRONTEND.Sync, Buffer.alloc(0))
const TERMINATE = frame(FRONTEND.Terminate, Buffer.alloc(0))

export function sync(): Buffer {
  return SYNC
}

export function terminate(): Buffer {
  return TERMINATE
}

function readCString(body: Buffer, offset: number): [string, number] {
  const end = body.indexOf(0, offset)
  if (end < 0) return [body.toString('utf8', offset), body.length]
  return [body.toString('utf8', offset, end), end + 1]
}

/** The SQL text of a Query body. */
export function parseQueryText(body: Buffer): string {
  return readCString(body, 0)[0]
}

/** The password (or token) of a PasswordMessage body. */
export function parsePassword(body: Buffer): string {
  return readCString(body, 0)[0]
}

/** A Parse body: the prepared statement's name (empty: unnamed) and its SQL text. */
export function parseParse(body: Buffer): { name: string; text: string } {
  const [name, offset] = readCString(body, 0)
  const [text] = readCString(body, offset)
  return { name, text }
}

/** A Bind body: the portal it creates and the prepared statement it binds. */
export function parseBind(body: Buffer): { portal: string; statement: string } {
  const [portal, offset] = readCString(body, 0)
  const [statement] = readCString(body, offset)
  return { portal, statement }
}

/** An Execute body: the portal and the row limit (0: all rows). */
export function parseExecute(body: Buffer): { portal: string; maxRows: number } {
  const [portal, offset] = readCString(body, 0)
  return { portal, maxRows: offset + 4 <= body.length ? body.readInt32BE(offset) : 0 }
}

/** A Describe or Close body: `S` (statement) or `P` (portal) and the name. */
export function parseTarget(body: Buffer): { kind: 'S' | 'P'; name: string } {
  return { kind: body[0] === 0x50 ? 'P' : 'S', name: readCString(body, 1)[0] }
}
