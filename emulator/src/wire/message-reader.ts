/**
 * One framed protocol message: a type byte and an Int32 length that counts itself. `raw` is the
 * whole frame (header included) and `body` what follows the header; both are views of the bytes
 * that arrived, never copies, so a frame can be relayed as it is.
 */
export interface Frame {
  readonly type: number
  readonly body: Buffer
  readonly raw: Buffer
}

/** Why a stream of frames cannot go on. */
export type FramingError = 'oversized' | 'invalid-length'

const EMPTY = Buffer.alloc(0)

/**
 * Splits a byte stream into typed protocol messages (everything after the startup packet, in
 * both directions). Pure: bytes in, frames out; no socket. A partial frame is kept until the
 * rest arrives, and only then are the two pieces joined, so whole frames are never copied.
 */
export class MessageReader {
  #buffer: Buffer = EMPTY
  #offset = 0
  #error: FramingError | undefined
  readonly #maxMessageBytes: number

  /** @param maxMessageBytes the largest frame accepted, header included */
  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes
  }

  /** The reason framing stopped, once it has. */
  get error(): FramingError | undefined {
    return this.#error
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#buffer.length - this.#offset
  }

  push(chunk: Buffer): void {
    if (this.#offset >= this.#buffer.length) {
      this.#buffer = chunk
    } else {
      this.#buffer = Buffer.concat([this.#buffer.subarray(this.#offset), chunk])
    }
    this.#offset = 0
  }

  /** The next complete frame, or `undefined` when more bytes are needed or framing failed. */
  next(): Frame | undefined {
    if (this.#error !== undefined) return undefined
    const buffer = this.#buffer
    const start = this.#offset
    if (buffer.length - start < 5) return undefined
    const length = buffer.readUInt32BE(start + 1)
    if (length < 4) {
      this.#error = 'invalid-length'
      return undefined
    }
    // The limit counts the type byte too, as DSQL's 10 MiB limit is on the whole message.
    if (length + 1 > this.#maxMessageBytes) {
      this.#error = 'oversized'
      return undefined
    }
    const end = start + 1 + length
    if (buffer.length < end) return undefined
    this.#offset = end
    return { type: buffer[start]!, body: buffer.subarray(start + 5, end), raw: buffer.subarray(start, end) }
  }

  /** Takes whatever is buffered (a partial frame), leaving the reader empty. */
  drain(): Buffer {
    const rest = this.#buffer.subarray(this.#offset)
    this.#buffer = EMPTY
    this.#offset = 0
    return rest
  }
}

/**
 * Joins frames into one buffer for writing. Frames that sit next to each other in the same
 * received chunk (the usual case) come back as one view of that chunk, without copying.
 */
export function joinFrames(frames: readonly Frame[]): Buffer {
  if (frames.length === 0) return EMPTY
  const first = frames[0]!.raw
  if (frames.length === 1) return first
  let end = first.byteOffset + first.length
  for (let i = 1; i < frames.length; i++) {
    const raw = frames[i]!.raw
    if (raw.buffer !== first.buffer || raw.byteOffset !== end) {
      return Buffer.concat(frames.map((frame) => frame.raw))
    }
    end += raw.length
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset)
}
