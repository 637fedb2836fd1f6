import {
  BACKEND,
  type ErrorFields,
  errorResponse,
  type Frame,
  parseCommandTag,
  parseErrorFields,
  readyForQuery,
  type TransactionStatus,
} from '../wire/index.js'

/** A frame for a message the emulator built. */
export function toFrame(raw: Buffer): Frame {
  return { type: raw[0]!, raw, body: raw.subarray(5) }
}

/** The messages with the final ReadyForQuery reporting `status` instead. */
export function withStatus(messages: readonly Buffer[], status: TransactionStatus): Buffer[] {
  const out = [...messages]
  const last = out.length - 1
  if (last >= 0 && out[last]![0] === BACKEND.ReadyForQuery) out[last] = readyForQuery(status)
  return out
}

/** The messages with their ErrorResponse replaced by `fields`. */
export function withError(messages: readonly Buffer[], fields: ErrorFields): Buffer[] {
  return messages.map((message) => (message[0] === BACKEND.ErrorResponse ? errorResponse(fields) : message))
}

/** The messages before the first ErrorResponse (what the client would have seen of the unit). */
export function beforeError(messages: readonly Buffer[]): Buffer[] {
  const index = messages.findIndex((message) => message[0] === BACKEND.ErrorResponse)
  return index < 0 ? [...messages] : messages.slice(0, index)
}

/** The first ErrorResponse's fields in a reply. */
export function errorOf(messages: readonly Buffer[]): ErrorFields | undefined {
  const message = messages.find((m) => m[0] === BACKEND.ErrorResponse)
  return message === undefined ? undefined : parseErrorFields(message.subarray(5))
}

/** The command tags of a reply. */
export function tagsOf(messages: readonly Buffer[]): string[] {
  return messages.filter((m) => m[0] === BACKEND.CommandComplete).map((m) => parseCommandTag(m.subarray(5)))
}

/** Whether an error is a conflict PostgreSQL reports where DSQL reports OC000 at COMMIT. */
export function isConflictError(fields: ErrorFields): boolean {
  if (fields.code === '55P03' || fields.code === '40P01') return true
  return fields.code === '40001' && !/\(OC00\d\)/.test(fields.message)
}
