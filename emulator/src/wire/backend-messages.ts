import { cstring, frame } from './frame.js'
import { BACKEND, type TransactionStatus } from './message-types.js'

/** The fields of an ErrorResponse or NoticeResponse that the emulator reads or writes. */
export interface ErrorFields {
  /** `ERROR`, `FATAL`, `WARNING`, ... (field S, and V, which is never localized). */
  readonly severity: string
  /** The SQLSTATE (field C). */
  readonly code: string
  /** The primary message (field M). */
  readonly message: string
  readonly detail?: string
  readonly hint?: string
}

function int32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4)
  out.writeInt32BE(value, 0)
  return out
}

function fieldsBody(fields: ErrorFields): Buffer {
  const parts: Buffer[] = [
    cstring(`S${fields.severity}`),
    cstring(`V${fields.severity}`),
    cstring(`C${fields.code}`),
    cstring(`M${fields.message}`),
  ]
  if (fields.detail !== undefined) parts.push(cstring(`D${fields.detail}`))
  if (fields.hint !== undefined) parts.push(cstring(`H${fields.hint}`))
  parts.push(Buffer.from([0]))
  return Buffer.concat(parts)
}

export function errorResponse(fields: ErrorFields): Buffer {
  return frame(BACKEND.ErrorResponse, fieldsBody(fields))
}

export function noticeResponse(fields: ErrorFields): Buffer {
  return frame(BACKEND.NoticeResponse, fieldsBody(fields))
}

export function authenticationOk(): Buffer {
  return frame(BACKEND.Authentication, int32(0))
}

export function authenticationCleartextPassword(): Buffer {
  return frame(BACKEND.Authentication, int32(3))
}

export function parameterStatus(name: string, value: string): Buffer {
  return frame(BACKEND.ParameterStatus, Buffer.concat([cstring(name), cstring(value)]))
}

export function backendKeyData(processId: number, secretKey: number): Buffer {
  const body = Buffer.allocUnsafe(8)
  body.writeUInt32BE(processId >>> 0, 0)
  body.writeUInt32BE(secretKey >>> 0, 4)
  return frame(BACKEND.BackendKeyData, body)
}

const READY: Readonly<Record<TransactionStatus, Buffer>> = {
  I: frame(BACKEND.ReadyForQuery, Buffer.from('I')),
  T: frame(BACKEND.ReadyForQuery, Buffer.from('T')),
  E: frame(BACKEND.ReadyForQuery, Buffer.from('E')),
}

export function readyForQuery(status: TransactionStatus): Buffer {
  return READY[status]
}

export function commandComplete(tag: string): Buffer {
  return frame(BACKEND.CommandComplete, cstring(tag))
}

/** Tells a client asking for protocol 3.x (x > 0) or `_pq_.` options that only 3.0 is spoken. */
export function negotiateProtocolVersion(minorVersion: number, unrecognized: readonly string[]): Buffer {
  return frame(
    BACKEND.NegotiateProtocolVersion,
    Buffer.concat([int32(minorVersion), int32(unrecognized.length), ...unrecognized.map(cstring)]),
  )
}

/** Reads the fields of an ErrorResponse or NoticeResponse body. */
export function parseErrorFields(body: Buffer): ErrorFields {
  let severity = ''
  let localizedSeverity = ''
  let code = ''
  let message = ''
  let detail: string | undefined
  let hint: string | undefined
  let offset = 0
  while (offset < body.length && body[offset] !== 0) {
    const end = body.indexOf(0, offset + 1)
    if (end < 0) break
    const value = body.toString('utf8', offset + 1, end)
    switch (body[offset]) {
      case 0x56: // V
        severity = value
        break
      case 0x53: // S
        localizedSeverity = value
        break
      case 0x43: // C
        code = value
        break
      case 0x4d: // M
        message = value
        break
      case 0x44: // D
        detail = value
        break
      case 0x48: // H
        hint = value
        break
    }
    offset = end + 1
  }
  const fields: { -readonly [K in keyof ErrorFields]: ErrorFields[K] } = {
    severity: severity || localizedSeverity,
    code,
    message,
  }
  if (detail !== undefined) fields.detail = detail
  if (hint !== undefined) fields.hint = hint
  return fields
}

/** The command tag of a CommandComplete body (`SELECT 1`, `COMMIT`, ...). */
export function parseCommandTag(body: Buffer): string {
  const end = body.indexOf(0)
  return body.toString('latin1', 0, end < 0 ? body.length : end)
}

/** The status byte of a ReadyForQuery body. */
export function parseReadyStatus(body: Buffer): TransactionStatus {
  const status = String.fromCharCode(body[0] ?? 0x49)
  return status === 'T' || status === 'E' ? status : 'I'
}

/** A ParameterStatus body as `[name, value]`. */
export function parseParameterStatus(body: Buffer): [string, string] {
  const nameEnd = body.indexOf(0)
  const valueEnd = body.indexOf(0, nameEnd + 1)
  return [
    body.toString('utf8', 0, nameEnd),
    body.toString('utf8', nameEnd + 1, valueEnd < 0 ? body.length : valueEnd),
  ]
}

/** A RowDescription of text columns. */
export function rowDescription(columns: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from([columns.length >> 8, columns.length & 0xff])]
  for (const name of columns) {
    const field = Buffer.alloc(18)
    // table OID 0, column 0, type OID 25 (text), size -1, modifier -1, text format.
    field.writeUInt32BE(25, 6)
    field.writeInt16BE(-1, 10)
    field.writeInt32BE(-1, 12)
    parts.push(cstring(name), field)
  }
  return frame(BACKEND.RowDescription, Buffer.concat(parts))
}

/** A DataRow of text values (`null`: SQL NULL). */
export function dataRow(values: readonly (string | null)[]): Buffer {
  const parts: Buffer[] = [Buffer.from([values.length >> 8, values.length & 0xff])]
  for (const value of values) {
    if (value === null) parts.push(int32(-1))
    else {
      const bytes = Buffer.from(value, 'utf8')
      parts.push(int32(bytes.length), bytes)
    }
  }
  return frame(BACKEND.DataRow, Buffer.concat(parts))
}

/** A ParameterDescription body's type OIDs. */
export function parseParameterDescription(body: Buffer): number[] {
  const count = body.readInt16BE(0)
  const types: number[] = []
  for (let i = 0; i < count; i++) types.push(body.readUInt32BE(2 + 4 * i))
  return types
}
