import type { ClientUnit } from './client-unit.js'
import { BACKEND, FRONTEND } from './message-types.js'

/**
 * Knows when the server has finished answering one unit. After `Sync`, a simple `Query` or a
 * standalone message the answer ends with ReadyForQuery. After `Flush` nothing marks the end,
 * so the tracker counts the replies the unit's messages owe (one completion per `Parse`,
 * `Bind`, `Describe`, `Execute` and `Close`) and stops at the first ErrorResponse, after which
 * the server skips everything up to the next `Sync`. Pure: message types in, a boolean out.
 */
export class ReplyTracker {
  readonly #untilReady: boolean
  #owed = 0
  #copyIn = false

  constructor(unit: ClientUnit) {
    this.#untilReady = unit.boundary !== 'flush'
    if (!this.#untilReady) {
      for (const frame of unit.frames) {
        switch (frame.type) {
          case FRONTEND.Parse:
          case FRONTEND.Bind:
          case FRONTEND.Describe:
          case FRONTEND.Execute:
          case FRONTEND.Close:
            this.#owed++
        }
      }
    }
  }

  /** The reply is complete before any message (a bare `Flush`, or nothing owed). */
  get done(): boolean {
    return !this.#untilReady && this.#owed === 0
  }

  /** The server waits for the client's CopyData (COPY ... FROM STDIN). */
  get copyIn(): boolean {
    return this.#copyIn
  }

  /** Feeds one backend message type; returns true when it completes the reply. */
  accept(type: number): boolean {
    switch (type) {
      case BACKEND.CopyInResponse:
        this.#copyIn = true
        return false
      case BACKEND.CommandComplete:
      case BACKEND.ErrorResponse:
        this.#copyIn = false
        break
    }
    if (this.#untilReady) return type === BACKEND.ReadyForQuery
    switch (type) {
      case BACKEND.ErrorResponse:
        this.#owed = 0
        return true
      case BACKEND.ParseComplete:
      case BACKEND.BindComplete:
      case BACKEND.CloseComplete:
      case BACKEND.RowDescription:
      case BACKEND.NoData:
      case BACKEND.CommandComplete:
      case BACKEND.EmptyQueryResponse:
      case BACKEND.PortalSuspended:
        this.#owed--
        return this.#owed <= 0
      default:
        return false
    }
  }
}
