import type { Socket } from 'node:net'
import { EmulatorError } from '../emulator-error.js'
import { isValidStartupLength, MAX_STARTUP_PACKET_BYTES } from '../wire/index.js'

/**
 * The client broke the handshake: it left, sent garbage, or sent too much. That connection
 * closes; the error never reaches a caller of the package.
 */
export class HandshakeAbort extends EmulatorError {
  static override readonly brand: symbol = Symbol.for('pg-dsql-emulator.HandshakeAbort')
  override name = 'HandshakeAbort' as const

  constructor(message: string) {
    super(message, 'ERR_DSQL_EMULATOR_HANDSHAKE')
  }
}

const EMPTY = Buffer.alloc(0)

/**
 * Reads the handshake's packets from a socket, waiting for as many bytes as each needs. Only
 * for the few packets before a session starts; the session frames its own stream.
 */
export class PacketReader {
  readonly #socket: Socket
  #buffer: Buffer = EMPTY
  #waiter: (() => void) | undefined
  #ended: HandshakeAbort | undefined

  constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', this.#onData)
    socket.on('end', this.#onEnd)
    socket.on('close', this.#onEnd)
    socket.on('error', this.#onEnd)
  }

  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.#buffer.length
  }

  /** The first byte, without consuming it. */
  async peekByte(): Promise<number> {
    await this.#need(1)
    return this.#buffer[0]!
  }

  /** A length-prefixed packet without a type byte (startup, SSLRequest, CancelRequest). */
  async readUntyped(): Promise<Buffer> {
    await this.#need(4)
    const length = this.#buffer.readUInt32BE(0)
    if (!isValidStartupLength(length))
      throw new HandshakeAbort(`invalid length of startup packet (${length})`)
    await this.#need(length)
    return this.#take(length)
  }

  /** A typed message (type byte, Int32 length, body) of at most `maxBytes`. */
  async readTyped(maxBytes: number = MAX_STARTUP_PACKET_BYTES): Promise<{ type: number; body: Buffer }> {
    await this.#need(5)
    const length = this.#buffer.readUInt32BE(1)
    if (length < 4 || length + 1 > maxBytes) throw new HandshakeAbort(`invalid message length (${length})`)
    await this.#need(length + 1)
    const message = this.#take(length + 1)
    return { type: message[0]!, body: message.subarray(5) }
  }

  /** Stops reading: removes the listeners, pauses the socket, returns unread bytes. */
  detach(): Buffer {
    const socket = this.#socket
    socket.off('data', this.#onData)
    socket.off('end', this.#onEnd)
    socket.off('close', this.#onEnd)
    socket.off('error', this.#onEnd)
    socket.pause()
    const rest = this.#buffer
    this.#buffer = EMPTY
    return rest
  }

  #take(length: number): Buffer {
    const packet = this.#buffer.subarray(0, length)
    this.#buffer = this.#buffer.subarray(length)
    return packet
  }

  async #need(length: number): Promise<void> {
    while (this.#buffer.length < length) {
      if (this.#ended !== undefined) throw this.#ended
      await new Promise<void>((resolve) => {
        this.#waiter = resolve
      })
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    // Nothing in the handshake is bigger than a startup packet or a token message.
    if (this.#buffer.length > 4 * MAX_STARTUP_PACKET_BYTES + 65_536) {
      this.#ended = new HandshakeAbort('too much data during the handshake')
      this.#socket.destroy()
    }
    this.#wake()
  }

  readonly #onEnd = (): void => {
    this.#ended ??= new HandshakeAbort('the client closed the connection during the handshake')
    this.#wake()
  }

  #wake(): void {
    const waiter = this.#waiter
    this.#waiter = undefined
    waiter?.()
  }
}
