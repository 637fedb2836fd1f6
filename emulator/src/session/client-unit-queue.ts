import { type ClientUnit, FRONTEND, MessageReader, UnitAssembler } from '../wire/index.js'

/** What reading a chunk of client bytes came to. */
export type ClientRead = 'units' | 'terminate' | 'broken'

/** Units waiting past this many stop the session from reading the client until they drain. */
export const BACKLOG_UNITS = 64

/**
 * The client's side of a relay session: frames its bytes, gathers the frames into units and
 * holds them until the session takes them, one at a time. Pure: bytes in, units out.
 */
export class ClientUnitQueue {
  readonly #reader: MessageReader
  readonly #assembler = new UnitAssembler()
  readonly #units: ClientUnit[] = []

  constructor(maxMessageBytes: number) {
    this.#reader = new MessageReader(maxMessageBytes)
  }

  /** Units waiting. */
  get backlog(): number {
    return this.#units.length
  }

  /**
   * Reads a chunk. While the backend waits for COPY data (`copyIn()`), CopyData, CopyDone and
   * CopyFail go to `onCopy` at once instead of into a unit. `terminate`: the client sent
   * Terminate; `broken`: a message over the size limit or a broken frame.
   */
  read(chunk: Buffer, copyIn: () => boolean, onCopy: (raw: Buffer) => void): ClientRead {
    const reader = this.#reader
    reader.push(chunk)
    for (let frame = reader.next(); frame !== undefined; frame = reader.next()) {
      const type = frame.type
      if (
        (type === FRONTEND.CopyData || type === FRONTEND.CopyDone || type === FRONTEND.CopyFail) &&
        copyIn()
      ) {
        onCopy(frame.raw)
        continue
      }
      if (type === FRONTEND.Terminate) return 'terminate'
      const unit = this.#assembler.push(frame)
      if (unit !== undefined) this.#units.push(unit)
    }
    return reader.error === undefined ? 'units' : 'broken'
  }

  /** The next unit, or `undefined` when none waits. */
  take(): ClientUnit | undefined {
    return this.#units.shift()
  }

  /**
   * Drops units up to the next one ended by `Sync`, and returns that `Sync` alone (the answer a
   * client gets after an error in a `Flush` sequence); `undefined` when no `Sync` has come yet.
   */
  takeSync(): ClientUnit | undefined {
    for (let unit = this.#units.shift(); unit !== undefined; unit = this.#units.shift()) {
      if (unit.boundary === 'sync') {
        return { frames: [unit.frames[unit.frames.length - 1]!], boundary: 'sync', statements: [] }
      }
    }
    return undefined
  }
}
