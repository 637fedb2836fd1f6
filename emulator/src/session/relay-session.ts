import type { Socket } from 'node:net'
import type { BackendSession } from '../backend/index.js'
import { isWriteTag } from '../sql/index.js'
import {
  BACKEND,
  type ClientUnit,
  type ErrorFields,
  errorResponse,
  FRONTEND,
  type Frame,
  joinFrames,
  MessageReader,
  parseCommandTag,
  parseErrorFields,
  parseReadyStatus,
  query,
  readyForQuery,
  type TransactionStatus,
  terminate,
  UnitAssembler,
} from '../wire/index.js'
import { HiddenSink, type ReplySink, UnitSink } from './reply-sinks.js'
import type {
  FailOptions,
  ForwardOptions,
  HiddenReply,
  SessionContext,
  UnitOutcome,
  UnitReply,
  UnitStage,
} from './unit-pipeline.js'

/** How a session ends: `quiet` closes cleanly with no error (connection age), `drop` at once. */
export type CloseMode = 'quiet' | 'drop'

export interface RelaySessionOptions {
  /** The client's TLS socket, after a successful startup. */
  readonly client: Socket
  /** Client bytes read past the startup (normally none). */
  readonly clientLeftover: Buffer
  readonly backend: BackendSession
  readonly region: string
  readonly user: string
  readonly isAdmin: boolean
  readonly stages: readonly UnitStage[]
  readonly maxMessageBytes: number
  /** Called after every unit, for the counters. */
  readonly onUnit: (outcome: UnitOutcome, unit: ClientUnit) => void
  /** Called once when the session has closed. */
  readonly onClose: () => void
  /** Sends the backend a cancel request for this session. */
  readonly cancelBackend: () => void
}

/** A unit or hidden statement was cut short because its session closed. */
class SessionClosedError extends Error {
  override name = 'SessionClosedError'
}

// Puts an open backend transaction in the failed state when the emulator answers a statement
// with an error itself, so the client and the backend agree on the transaction status.
const ABORT_SQL = `DO $$BEGIN RAISE EXCEPTION 'pg-dsql emulator: statement failed'; END$$`
const BACKLOG_UNITS = 64

/**
 * One client session after startup, relaying between the client and its own backend session.
 * Messages are framed in both directions, but relayed as the bytes that arrived. Client
 * messages gather into units (see `ClientUnit`), and each unit passes through the stages, one
 * unit at a time, before the last stage forwards it. The backend's reply streams back while a
 * tracker watches for its end.
 */
export class RelaySession implements SessionContext {
  readonly region: string
  readonly user: string
  readonly isAdmin: boolean
  readonly #client: Socket
  readonly #backend: Socket
  readonly #stages: readonly UnitStage[]
  readonly #onUnit: RelaySessionOptions['onUnit']
  readonly #onClose: () => void
  readonly #cancelBackend: () => void
  readonly #clientReader: MessageReader
  readonly #backendReader = new MessageReader(1024 * 1024 * 1024)
  readonly #assembler = new UnitAssembler()
  readonly #queue: ClientUnit[] = []
  readonly #out: Frame[] = []
  #sink: ReplySink | undefined
  #status: TransactionStatus = 'I'
  #wrote = false
  #wroteChecked = false
  #busy = false
  #closed = false
  #closeWhenIdle = false
  #skipUntilSync = false
  #clientPaused = false
  #flushSequence = false

  constructor(options: RelaySessionOptions) {
    this.region = options.region
    this.user = options.user
    this.isAdmin = options.isAdmin
    this.#client = options.client
    this.#backend = options.backend.socket
    this.#stages = options.stages
    this.#onUnit = options.onUnit
    this.#onClose = options.onClose
    this.#cancelBackend = options.cancelBackend
    this.#clientReader = new MessageReader(options.maxMessageBytes)
    this.#client.on('data', this.#onClientData)
    this.#client.on('error', () => this.close('drop'))
    this.#client.on('close', () => this.close('drop'))
    this.#backend.on('data', this.#onBackendData)
    this.#backend.on('error', () => this.close('drop'))
    this.#backend.on('close', () => this.close('drop'))
    if (options.backend.leftover.length > 0) this.#onBackendData(options.backend.leftover)
    if (options.clientLeftover.length > 0) this.#onClientData(options.clientLeftover)
    this.#client.resume()
    this.#backend.resume()
  }

  get transactionStatus(): TransactionStatus {
    return this.#status
  }

  get inFlushSequence(): boolean {
    return this.#flushSequence
  }

  cancelBackend(): void {
    if (!this.#closed) this.#cancelBackend()
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Whether the session is between transactions with nothing in flight. */
  get idle(): boolean {
    return !this.#busy && this.#status === 'I'
  }

  async transactionWrote(): Promise<boolean> {
    if (this.#wrote || this.#wroteChecked || this.#status === 'I') return this.#wrote
    const reply = await this.hidden('SELECT pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL')
    this.#wrote = reply.rows[0]?.[0] === 't'
    this.#wroteChecked = true
    return this.#wrote
  }

  hidden(sql: string): Promise<HiddenReply> {
    if (this.#closed) return Promise.reject(new SessionClosedError('the session is closed'))
    return new Promise((resolve, reject) => {
      this.#sink = new HiddenSink(resolve, reject)
      this.#backend.write(query(sql))
    })
  }

  async fail(unit: ClientUnit, fields: ErrorFields, options: FailOptions = {}): Promise<UnitReply> {
    if (unit.boundary === 'flush') {
      if (this.#status === 'T') await this.hidden(ABORT_SQL)
      this.#skipUntilSync = true
      this.send([errorResponse(fields)])
      return { status: undefined, tags: [], error: fields, messages: [] }
    }
    let status = this.#status
    if (status !== 'I' && options.endsTransaction === true) {
      status = (await this.hidden('ROLLBACK')).status
    } else if (status === 'T') {
      status = (await this.hidden(ABORT_SQL)).status
    }
    this.send([errorResponse(fields), readyForQuery(status)])
    return { status, tags: [], error: fields, messages: [] }
  }

  reply(messages: readonly Buffer[]): UnitReply {
    let status: TransactionStatus | undefined
    let error: ErrorFields | undefined
    const tags: string[] = []
    for (const message of messages) {
      const body = message.subarray(5)
      if (message[0] === BACKEND.ReadyForQuery) status = parseReadyStatus(body)
      else if (message[0] === BACKEND.CommandComplete) tags.push(parseCommandTag(body))
      else if (message[0] === BACKEND.ErrorResponse) error ??= parseErrorFields(body)
    }
    this.send(messages)
    return { status, tags, error, messages: [] }
  }

  send(messages: readonly Buffer[]): void {
    if (this.#closed || messages.length === 0) return
    this.#writeClient(messages.length === 1 ? messages[0]! : Buffer.concat(messages))
  }

  drop(): UnitReply {
    this.close('drop')
    return { status: undefined, tags: [], error: undefined, messages: [] }
  }

  /** Connection age reached: close now if idle, else as soon as the transaction ends. */
  retire(): void {
    if (this.idle) this.close('quiet')
    else this.#closeWhenIdle = true
  }

  close(mode: CloseMode): void {
    if (this.#closed) return
    this.#closed = true
    const sink = this.#sink
    this.#sink = undefined
    sink?.abort(new SessionClosedError('the session closed'))
    if (!this.#backend.destroyed) this.#backend.end(terminate())
    if (mode === 'drop') {
      this.#client.destroy()
    } else {
      // A clean close: TLS close_notify and FIN, no ErrorResponse, as DSQL does at 60 minutes.
      this.#client.end()
      setTimeout(() => this.#client.destroy(), 2000).unref()
    }
    this.#onClose()
  }

  readonly #onClientData = (chunk: Buffer): void => {
    const reader = this.#clientReader
    reader.push(chunk)
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      const type = frame.type
      if (
        this.#sink?.copyIn === true &&
        (type === FRONTEND.CopyData || type === FRONTEND.CopyDone || type === FRONTEND.CopyFail)
      ) {
        this.#backend.write(frame.raw)
        continue
      }
      if (type === FRONTEND.Terminate) {
        this.close('drop')
        return
      }
      const unit = this.#assembler.push(frame)
      if (unit !== undefined) this.#queue.push(unit)
    }
    // A message over the size limit (DSQL: 10 MiB) or a broken frame ends the session with no
    // error, as DSQL was seen to do.
    if (reader.error !== undefined) {
      this.close('drop')
      return
    }
    if (this.#queue.length > BACKLOG_UNITS && !this.#clientPaused) {
      this.#clientPaused = true
      this.#client.pause()
    }
    this.#pump()
  }

  readonly #onBackendData = (chunk: Buffer): void => {
    const reader = this.#backendReader
    const out = this.#out
    reader.push(chunk)
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      const sink = this.#sink
      if (sink === undefined) {
        out.push(frame)
      } else if (sink.accept(frame, out)) {
        this.#sink = undefined
        this.#flushOut()
        sink.complete()
      }
    }
    this.#flushOut()
  }

  #flushOut(): void {
    const out = this.#out
    if (out.length === 0) return
    const bytes = joinFrames(out)
    out.length = 0
    if (!this.#closed) this.#writeClient(bytes)
  }

  #writeClient(bytes: Buffer): void {
    if (!this.#client.write(bytes) && !this.#backend.isPaused()) {
      this.#backend.pause()
      this.#client.once('drain', () => this.#backend.resume())
    }
  }

  #nextUnit(): ClientUnit | undefined {
    while (this.#queue.length > 0) {
      const unit = this.#queue.shift()!
      if (!this.#skipUntilSync) return unit
      if (unit.boundary !== 'sync') continue
      this.#skipUntilSync = false
      return { frames: [unit.frames[unit.frames.length - 1]!], boundary: 'sync', statements: [] }
    }
    return undefined
  }

  #pump(): void {
    if (this.#busy || this.#closed) return
    const unit = this.#nextUnit()
    if (unit === undefined) {
      if (this.#clientPaused) {
        this.#clientPaused = false
        this.#client.resume()
      }
      return
    }
    this.#busy = true
    const before = this.#status
    // A unit that fails inside the emulator (the backend went away, a stage threw) ends this
    // session only, like a network failure.
    this.#dispatch(0, unit, {})
      .then((reply) => this.#finishUnit(unit, before, reply))
      .catch((error: unknown) => {
        if (!(error instanceof SessionClosedError)) {
          process.emitWarning(
            `pg-dsql emulator: a session failed: ${error instanceof Error ? error.message : String(error)}`,
          )
        }
        this.close('drop')
      })
  }

  #dispatch(index: number, unit: ClientUnit, options: ForwardOptions): Promise<UnitReply> {
    const stage = this.#stages[index]
    if (stage === undefined) return this.#forward(unit, options)
    return stage(unit, this, (next, more) =>
      this.#dispatch(index + 1, next, more === undefined ? options : { ...options, ...more }),
    )
  }

  #forward(unit: ClientUnit, options: ForwardOptions): Promise<UnitReply> {
    if (this.#closed) return Promise.reject(new SessionClosedError('the session is closed'))
    return new Promise((resolve, reject) => {
      const sink = new UnitSink(unit, options, resolve, reject)
      this.#backend.write(joinFrames(unit.frames))
      if (sink.done) resolve(sink.reply())
      else this.#sink = sink
    })
  }

  #finishUnit(unit: ClientUnit, before: TransactionStatus, reply: UnitReply): void {
    if (this.#closed) return
    for (const tag of reply.tags) if (isWriteTag(tag)) this.#wrote = true
    this.#onUnit(
      {
        before,
        after: reply.status,
        tags: reply.tags,
        error: reply.error,
        ranStatement: unit.statements.length > 0,
        wrote: this.#wrote,
      },
      unit,
    )
    this.#wroteChecked = false
    if (unit.boundary === 'flush') this.#flushSequence = true
    else if (unit.boundary !== 'other') this.#flushSequence = false
    if (reply.status !== undefined) {
      this.#status = reply.status
      if (reply.status === 'I') this.#wrote = false
    }
    this.#busy = false
    if (this.#closeWhenIdle && this.#status === 'I') {
      this.close('quiet')
      return
    }
    this.#pump()
  }
}
