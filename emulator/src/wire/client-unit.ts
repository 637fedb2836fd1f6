import { parseBind, parseExecute, parseParse, parseQueryText, parseTarget } from './frontend-messages.js'
import type { Frame } from './message-reader.js'
import { FRONTEND } from './message-types.js'

/**
 * One client round trip: the messages up to a point where the server answers. A simple `Query`
 * is a unit on its own; extended-protocol messages (`Parse`, `Bind`, `Describe`, `Execute`,
 * `Close`) gather until `Sync` or `Flush`; anything else (`FunctionCall`, an unknown type) is
 * a unit on its own. A pipelined batch with several `Sync`s is several units.
 */
export interface ClientUnit {
  readonly frames: readonly Frame[]
  /** What ends the unit, and so what ends its reply: ReadyForQuery, except after `Flush`. */
  readonly boundary: UnitBoundary
  /**
   * The SQL this unit runs, one entry per simple `Query` or per `Execute` (the text of the
   * prepared statement behind the portal). Empty when the unit runs nothing (`Parse` and
   * `Describe` only, a bare `Sync`).
   */
  readonly statements: readonly string[]
}

export const UNIT_BOUNDARIES = ['query', 'sync', 'flush', 'other'] as const
export type UnitBoundary = (typeof UNIT_BOUNDARIES)[number]

/** Builds a unit from frames, e.g. one a pipeline stage rewrote. */
export function createUnit(
  frames: readonly Frame[],
  boundary: UnitBoundary,
  statements: readonly string[],
): ClientUnit {
  return { frames, boundary, statements }
}

/**
 * Gathers client frames into units and keeps the prepared statements and portals the client
 * made, so an `Execute` can be traced back to its SQL. Pure: frames in, units out.
 */
export class UnitAssembler {
  #frames: Frame[] = []
  #statements: string[] = []
  readonly #prepared = new Map<string, string>()
  readonly #portals = new Map<string, string>()

  /** Whether frames are waiting for a `Sync` or `Flush`. */
  get pending(): boolean {
    return this.#frames.length > 0
  }

  /** Adds a frame; returns the unit it completes, if it completes one. */
  push(frame: Frame): ClientUnit | undefined {
    switch (frame.type) {
      case FRONTEND.Query: {
        // A simple query drops the unnamed statement and portal, as PostgreSQL does.
        this.#prepared.delete('')
        this.#portals.delete('')
        return this.#finish(frame, 'query', parseQueryText(frame.body))
      }
      case FRONTEND.Parse: {
        const { name, text } = parseParse(frame.body)
        this.#prepared.set(name, text)
        break
      }
      case FRONTEND.Bind: {
        const { portal, statement } = parseBind(frame.body)
        this.#portals.set(portal, this.#prepared.get(statement) ?? '')
        break
      }
      case FRONTEND.Execute:
        this.#statements.push(this.#portals.get(parseExecute(frame.body).portal) ?? '')
        break
      case FRONTEND.Close: {
        const { kind, name } = parseTarget(frame.body)
        if (kind === 'S') this.#prepared.delete(name)
        else this.#portals.delete(name)
        break
      }
      case FRONTEND.Describe:
      case FRONTEND.CopyData:
      case FRONTEND.CopyDone:
      case FRONTEND.CopyFail:
        break
      case FRONTEND.Sync:
        return this.#finish(frame, 'sync')
      case FRONTEND.Flush:
        return this.#finish(frame, 'flush')
      default:
        return this.#finish(frame, 'other')
    }
    this.#frames.push(frame)
    return undefined
  }

  #finish(frame: Frame, boundary: UnitBoundary, text?: string): ClientUnit {
    const frames = this.#frames
    frames.push(frame)
    const statements = this.#statements
    if (text !== undefined) statements.push(text)
    this.#frames = []
    this.#statements = []
    return { frames, boundary, statements }
  }
}
