import { cstring, frame } from './frame.js'
import { FRONTEND } from './message-types.js'
import { REQUEST_CODES } from './startup-packet.js'

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

function int16(value: number): Buffer {
  const out = Buffer.allocUnsafe(2)
  out.writeInt16BE(value, 0)
  return out
}

/** A Parse message for a named statement with the given parameter type OIDs. */
export function parseMessage(name: string, text: string, parameterTypes: readonly number[]): Buffer {
  const types = Buffer.allocUnsafe(2 + 4 * parameterTypes.length)
  types.writeInt16BE(parameterTypes.length, 0)
  for (const [i, oid] of parameterTypes.entries()) types.writeUInt32BE(oid >>> 0, 2 + 4 * i)
  return frame(FRONTEND.Parse, Buffer.concat([cstring(name), cstring(text), types]))
}

/**
 * A Bind message binding `statement` into the unnamed portal with the parameters of a client's
 * Bind (`parameters`: its format codes and values, as they arrived) and these result formats.
 */
export function bindMessage(statement: string, parameters: Buffer, resultFormats: readonly number[]): Buffer {
  const formats = Buffer.concat([int16(resultFormats.length), ...resultFormats.map(int16)])
  return frame(FRONTEND.Bind, Buffer.concat([cstring(''), cstring(statement), parameters, formats]))
}

export function describeMessage(kind: 'S' | 'P', name: string): Buffer {
  return frame(FRONTEND.Describe, Buffer.concat([Buffer.from(kind), cstring(name)]))
}

export function executeMessage(portal: string, maxRows = 0): Buffer {
  const limit = Buffer.allocUnsafe(4)
  limit.writeInt32BE(maxRows, 0)
  return frame(FRONTEND.Execute, Buffer.concat([cstring(portal), limit]))
}

export function closeMessage(kind: 'S' | 'P', name: string): Buffer {
  return frame(FRONTEND.Close, Buffer.concat([Buffer.from(kind), cstring(name)]))
}

/** A Parse body's parameter type OIDs (0: let the server infer). */
export function parseParameterTypes(body: Buffer): number[] {
  let offset = readCString(body, readCString(body, 0)[1])[1]
  if (offset + 2 > body.length) return []
  const count = body.readInt16BE(offset)
  offset += 2
  const types: number[] = []
  for (let i = 0; i < count && offset + 4 <= body.length; i++, offset += 4)
    types.push(body.readUInt32BE(offset))
  return types
}

/** A Bind body, split: the parameter section (formats and values, as bytes) and the result formats. */
export function parseBindSections(body: Buffer): { parameters: Buffer; resultFormats: number[] } {
  const start = readCString(body, readCString(body, 0)[1])[1]
  let offset = start
  const formatCount = body.readInt16BE(offset)
  offset += 2 + 2 * formatCount
  const valueCount = body.readInt16BE(offset)
  offset += 2
  for (let i = 0; i < valueCount; i++) {
    const length = body.readInt32BE(offset)
    offset += 4 + Math.max(length, 0)
  }
  const parameters = body.subarray(start, offset)
  const resultCount = offset + 2 <= body.length ? body.readInt16BE(offset) : 0
  const resultFormats: number[] = []
  for (let i = 0; i < resultCount; i++) resultFormats.push(body.readInt16BE(offset + 2 + 2 * i))
  return { parameters, resultFormats }
}
