import {
  BACKEND,
  type ClientUnit,
  type ErrorFields,
  errorResponse,
  type Frame,
  parseCommandTag,
  parseErrorFields,
  parseReadyStatus,
  ReplyTracker,
  type TransactionStatus,
} from '../wire/index.js'
import type { ForwardOptions, HiddenReply, UnitReply } from './unit-pipeline.js'

/** Where the backend's messages go while a unit or a hidden statement is in flight. */
export interface ReplySink {
  /** Takes one backend message; frames for the client go to `out`. Returns true when done. */
  accept(frame: Frame, out: Frame[]): boolean
  /** The reply is complete: settle the waiting promise. */
  complete(): void
  /** The session closed first. */
  abort(error: Error): void
  /** The backend waits for the client's COPY data. */
  readonly copyIn: boolean
}

/** Collects a forwarded unit's reply, streaming it to the client unless asked to buffer it. */
export class UnitSink implements ReplySink {
  readonly #tracker: ReplyTracker
  readonly #buffer: boolean
  readonly #mapError: ((fields: ErrorFields) => ErrorFields | undefined) | undefined
  readonly #editMessage: ((message: Frame) => readonly Frame[]) | undefined
  readonly #resolve: (reply: UnitReply) => void
  readonly #reject: (error: Error) => void
  readonly #tags: string[] = []
  readonly #messages: Buffer[] = []
  #error: ErrorFields | undefined
  #status: TransactionStatus | undefined

  constructor(
    unit: ClientUnit,
    options: ForwardOptions,
    resolve: (reply: UnitReply) => void,
    reject: (error: Error) => void,
  ) {
    this.#tracker = new ReplyTracker(unit)
    this.#buffer = options.buffer === true
    this.#mapError = options.mapError
    this.#editMessage = options.editMessage
    this.#resolve = resolve
    this.#reject = reject
  }

  /** Nothing is owed (a bare `Flush`): complete before any message. */
  get done(): boolean {
    return this.#tracker.done
  }

  get copyIn(): boolean {
    return this.#tracker.copyIn
  }

  accept(frame: Frame, out: Frame[]): boolean {
    const edited = this.#editMessage === undefined ? [frame] : this.#editMessage(frame)
    for (const message of edited) this.#pass(message, out)
    // The tracker follows the backend's own messages: edits never change where a reply ends.
    return this.#tracker.accept(frame.type)
  }

  #pass(frame: Frame, out: Frame[]): void {
    switch (frame.type) {
      case BACKEND.CommandComplete:
        this.#tags.push(parseCommandTag(frame.body))
        break
      case BACKEND.ErrorResponse: {
        const fields = parseErrorFields(frame.body)
        const mapped = this.#mapError?.(fields)
        if (mapped !== undefined) {
          const raw = errorResponse(mapped)
          frame = { type: frame.type, raw, body: raw.subarray(5) }
        }
        this.#error ??= mapped ?? fields
        break
      }
      case BACKEND.ReadyForQuery:
        this.#status = parseReadyStatus(frame.body)
        break
    }
    if (this.#buffer) this.#messages.push(frame.raw)
    else out.push(frame)
  }

  reply(): UnitReply {
    return { status: this.#status, tags: this.#tags, error: this.#error, messages: this.#messages }
  }

  complete(): void {
    this.#resolve(this.reply())
  }

  abort(error: Error): void {
    this.#reject(error)
  }
}

/** Collects the reply to a hidden statement; only notifications and parameter changes pass. */
export class HiddenSink implements ReplySink {
  readonly #resolve: (reply: HiddenReply) => void
  readonly #reject: (error: Error) => void
  readonly #tags: string[] = []
  readonly #rows: (string | null)[][] = []
  #error: ErrorFields | undefined
  #status: TransactionStatus = 'I'

  constructor(resolve: (reply: HiddenReply) => void, reject: (error: Error) => void) {
    this.#resolve = resolve
    this.#reject = reject
  }

  get copyIn(): boolean {
    return false
  }

  accept(frame: Frame, out: Frame[]): boolean {
    switch (frame.type) {
      case BACKEND.DataRow:
        this.#rows.push(parseDataRow(frame.body))
        return false
      case BACKEND.CommandComplete:
        this.#tags.push(parseCommandTag(frame.body))
        return false
      case BACKEND.ErrorResponse:
        this.#error ??= parseErrorFields(frame.body)
        return false
      case BACKEND.ReadyForQuery:
        this.#status = parseReadyStatus(frame.body)
        return true
      case BACKEND.NotificationResponse:
      case BACKEND.ParameterStatus:
        out.push(frame)
        return false
      default:
        return false
    }
  }

  complete(): void {
    this.#resolve({ status: this.#status, tags: this.#tags, error: this.#error, rows: this.#rows })
  }

  abort(error: Error): void {
    this.#reject(error)
  }
}

function parseDataRow(body: Buffer): (string | null)[] {
  const count = body.readUInt16BE(0)
  const values: (string | null)[] = []
  let offset = 2
  for (let i = 0; i < count; i++) {
    const length = body.readInt32BE(offset)
    offset += 4
    if (length < 0) values.push(null)
    else {
      values.push(body.toString('utf8', offset, offset + length))
      offset += length
    }
  }
  return values
}

/** What a reply the emulator sends in one piece says: its status, tags and first error. */
export function summarizeReply(messages: readonly Buffer[]): UnitReply {
  let status: TransactionStatus | undefined
  let error: ErrorFields | undefined
  const tags: string[] = []
  for (const message of messages) {
    const body = message.subarray(5)
    if (message[0] === BACKEND.ReadyForQuery) status = parseReadyStatus(body)
    else if (message[0] === BACKEND.CommandComplete) tags.push(parseCommandTag(body))
    else if (message[0] === BACKEND.ErrorResponse) error ??= parseErrorFields(body)
  }
  return { status, tags, error, messages: [] }
}
