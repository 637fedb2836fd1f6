import type { Socket } from 'node:net'
import type { BackendSession } from '../backend/index.js'
import { isWriteTag } from '../sql/index.js'
import {
  type ClientUnit,
  type ErrorFields,
  errorResponse,
  type Frame,
  joinFrames,
  MessageReader,
  query,
  readyForQuery,
  type TransactionStatus,
  terminate,
} from '../wire/index.js'
import { BACKLOG_UNITS, ClientUnitQueue } from './client-unit-queue.js'
import { HiddenSink, type ReplySink, summarizeReply, UnitSink } from './reply-sinks.js'
import {
  afterUnit,
  type CloseMode,
  isIdle,
  OPENED,
  type OpenSession,
  type SessionState,
} from './session-state.js'
import type {
  FailOptions,
  ForwardOptions,
  HiddenReply,
  SessionContext,
  UnitOutcome,
  UnitReply,
  UnitStage,
} from './unit-pipeline.js'

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

/**
 * One client session after startup, relaying between the client and its own backend session.
 * Messages are framed in both directions, but relayed as the bytes that arrived. Client
 * messages gather into units (see `ClientUnit`), and each unit passes through the stages, one
 * unit at a time, before the last stage forwards it. The backend's reply streams back while a
 * tracker watches for its end. Its state is one `SessionState` value.
 */
export class RelaySession implements SessionContext {
  readonly region: string
  readonly user: string
  readonly isAdmin: boolean
  readonly #client: Socket
  readonly #backend: Socket
  readonly #options: RelaySessionOptions
  readonly #units: ClientUnitQueue
  readonly #backendReader = new MessageReader(1024 * 1024 * 1024)
  readonly #out: Frame[] = []
  #state: SessionState = OPENED

  constructor(options: RelaySessionOptions) {
    this.region = options.region
    this.user = options.user
    this.isAdmin = options.isAdmin
    this.#client = options.client
    this.#backend = options.backend.socket
    this.#options = options
    this.#units = new ClientUnitQueue(options.maxMessageBytes)
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
    return this.#state.phase === 'closed' ? 'I' : this.#state.status
  }

  get inFlushSequence(): boolean {
    return this.#state.phase !== 'closed' && this.#state.stream !== 'units'
  }

  cancelBackend(): void {
    if (this.#state.phase !== 'closed') this.#options.cancelBackend()
  }

  get closed(): boolean {
    return this.#state.phase === 'closed'
  }

  /** Whether the session is between transactions with nothing in flight. */
  get idle(): boolean {
    return isIdle(this.#state)
  }

  async transactionWrote(): Promise<boolean> {
    const state = this.#state
    if (state.phase === 'closed') throw new SessionClosedError('the session is closed')
    if (state.writes !== 'unknown' || state.status === 'I') return state.writes === 'wrote'
    const reply = await this.hidden('SELECT pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL')
    const wrote = reply.rows[0]?.[0] === 't'
    this.#update({ writes: wrote ? 'wrote' : 'none' })
    return wrote
  }

  hidden(sql: string): Promise<HiddenReply> {
    const state = this.#state
    if (state.phase === 'closed') return Promise.reject(new SessionClosedError('the session is closed'))
    const inFlight = state.inFlight
    if (inFlight === undefined) return Promise.reject(new Error('a hidden statement runs only inside a unit'))
    return new Promise((resolve, reject) => {
      inFlight.sink = new HiddenSink(resolve, reject)
      this.#backend.write(query(sql))
    })
  }

  async fail(unit: ClientUnit, fields: ErrorFields, options: FailOptions = {}): Promise<UnitReply> {
    if (unit.boundary === 'flush') {
      if (this.transactionStatus === 'T') await this.hidden(ABORT_SQL)
      this.#update({ stream: 'skip-to-sync' })
      this.send([errorResponse(fields)])
      return { status: undefined, tags: [], error: fields, messages: [] }
    }
    let status = this.transactionStatus
    if (status !== 'I' && options.endsTransaction === true) {
      status = (await this.hidden('ROLLBACK')).status
    } else if (status === 'T') {
      status = (await this.hidden(ABORT_SQL)).status
    }
    this.send([errorResponse(fields), readyForQuery(status)])
    return { status, tags: [], error: fields, messages: [] }
  }

  reply(messages: readonly Buffer[]): UnitReply {
    this.send(messages)
    return summarizeReply(messages)
  }

  send(messages: readonly Buffer[]): void {
    if (this.#state.phase === 'closed' || messages.length === 0) return
    this.#writeClient(messages.length === 1 ? messages[0]! : Buffer.concat(messages))
  }

  drop(): UnitReply {
    this.close('drop')
    return { status: undefined, tags: [], error: undefined, messages: [] }
  }

  /** Connection age reached: close now if idle, else as soon as the transaction ends. */
  retire(): void {
    const state = this.#state
    if (state.phase === 'closed') return
    if (isIdle(state)) this.close('quiet')
    else this.#state = { ...state, phase: 'retiring' }
  }

  close(mode: CloseMode): void {
    const state = this.#state
    if (state.phase === 'closed') return
    this.#state = { phase: 'closed', mode }
    state.inFlight?.sink?.abort(new SessionClosedError('the session closed'))
    if (!this.#backend.destroyed) this.#backend.end(terminate())
    if (mode === 'drop') {
      this.#client.destroy()
    } else {
      // A clean close: TLS close_notify and FIN, no ErrorResponse, as DSQL does at 60 minutes.
      this.#client.end()
      setTimeout(() => this.#client.destroy(), 2000).unref()
    }
    this.#options.onClose()
  }

  /** Changes fields of the open state as it is now (a stage may have awaited); a closed session stays closed. */
  #update(change: Partial<Pick<OpenSession, 'writes' | 'stream'>>): void {
    const state = this.#state
    if (state.phase !== 'closed') this.#state = { ...state, ...change }
  }

  #sink(): ReplySink | undefined {
    return this.#state.phase === 'closed' ? undefined : this.#state.inFlight?.sink
  }

  readonly #onClientData = (chunk: Buffer): void => {
    const read = this.#units.read(
      chunk,
      () => this.#sink()?.copyIn === true,
      (raw) => this.#backend.write(raw),
    )
    // A message over the size limit (DSQL: 10 MiB) or a broken frame ends the session with no
    // error, as DSQL was seen to do.
    if (read !== 'units') {
      this.close('drop')
      return
    }
    if (this.#units.backlog > BACKLOG_UNITS && !this.#client.isPaused()) this.#client.pause()
    this.#pump()
  }

  readonly #onBackendData = (chunk: Buffer): void => {
    const reader = this.#backendReader
    const out = this.#out
    reader.push(chunk)
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      const state = this.#state
      const inFlight = state.phase === 'closed' ? undefined : state.inFlight
      const sink = inFlight?.sink
      if (sink === undefined) {
        out.push(frame)
      } else if (sink.accept(frame, out)) {
        inFlight!.sink = undefined
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
    if (this.#state.phase !== 'closed') this.#writeClient(bytes)
  }

  #writeClient(bytes: Buffer): void {
    if (!this.#client.write(bytes) && !this.#backend.isPaused()) {
      this.#backend.pause()
      this.#client.once('drain', () => this.#backend.resume())
    }
  }

  #nextUnit(): ClientUnit | undefined {
    const state = this.#state
    if (state.phase === 'closed' || state.stream !== 'skip-to-sync') return this.#units.take()
    const sync = this.#units.takeSync()
    // The Sync that ends the skipped messages is answered; the sequence ends with its reply.
    if (sync !== undefined) this.#update({ stream: 'flush-sequence' })
    return sync
  }

  #pump(): void {
    const state = this.#state
    if (state.phase === 'closed' || state.inFlight !== undefined) return
    const unit = this.#nextUnit()
    if (unit === undefined) {
      if (this.#client.isPaused()) this.#client.resume()
      return
    }
    const current = this.#state
    if (current.phase === 'closed') return
    this.#state = { ...current, inFlight: { sink: undefined } }
    const before = current.status
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
    const stage = this.#options.stages[index]
    if (stage === undefined) return this.#forward(unit, options)
    return stage(unit, this, (next, more) =>
      this.#dispatch(index + 1, next, more === undefined ? options : { ...options, ...more }),
    )
  }

  #forward(unit: ClientUnit, options: ForwardOptions): Promise<UnitReply> {
    const state = this.#state
    if (state.phase === 'closed') return Promise.reject(new SessionClosedError('the session is closed'))
    return new Promise((resolve, reject) => {
      const sink = new UnitSink(unit, options, resolve, reject)
      this.#backend.write(joinFrames(unit.frames))
      if (sink.done) resolve(sink.reply())
      else if (state.inFlight !== undefined) state.inFlight.sink = sink
    })
  }

  #finishUnit(unit: ClientUnit, before: TransactionStatus, reply: UnitReply): void {
    const state = this.#state
    if (state.phase === 'closed') return
    const { next, wrote } = afterUnit(state, {
      boundary: unit.boundary,
      status: reply.status,
      wroteByTag: reply.tags.some(isWriteTag),
    })
    this.#options.onUnit(
      {
        before,
        after: reply.status,
        tags: reply.tags,
        error: reply.error,
        ranStatement: unit.statements.length > 0,
        wrote,
      },
      unit,
    )
    if (this.#state.phase === 'closed') return
    this.#state = next
    if (next.phase === 'retiring' && next.status === 'I') {
      this.close('quiet')
      return
    }
    this.#pump()
  }
}
