import type { TransactionStatus, UnitBoundary } from '../wire/index.js'
import type { ReplySink } from './reply-sinks.js'

/** How a session ends: `quiet` closes cleanly with no error (connection age), `drop` at once. */
export type CloseMode = 'quiet' | 'drop'

/**
 * Whether the open transaction wrote, as far as the session knows: `wrote` (a command tag showed
 * a write), `none` (the backend said, during this unit, that the transaction has no xid) or
 * `unknown` (neither yet).
 */
export type WriteKnowledge = 'wrote' | 'none' | 'unknown'

/**
 * Where the client's stream of units stands: `units` (each unit ends with `Sync`, `Query` or a
 * message of its own), `flush-sequence` (an extended-protocol sequence ended by `Flush` waits for
 * its `Sync`), or `skip-to-sync` (the emulator failed a unit of such a sequence, and skips the
 * client's units up to its `Sync`, as PostgreSQL skips messages after an error).
 */
export type ClientStream = 'units' | 'flush-sequence' | 'skip-to-sync'

/** The unit in the pipeline. `sink` takes the backend's messages; without one they go to the client. */
export interface UnitInFlight {
  sink: ReplySink | undefined
}

/**
 * An open session: `relaying`, or `retiring` (it reached its connection age and closes as soon
 * as its transaction ends).
 */
export interface OpenSession {
  readonly phase: 'relaying' | 'retiring'
  /** The status the last ReadyForQuery reported. */
  readonly status: TransactionStatus
  readonly writes: WriteKnowledge
  readonly stream: ClientStream
  /** The unit the stages are working on; `undefined` between units. */
  readonly inFlight: UnitInFlight | undefined
}

export interface ClosedSession {
  readonly phase: 'closed'
  readonly mode: CloseMode
}

/** A relay session's whole state, one value: there is no unit in flight in a closed session. */
export type SessionState = OpenSession | ClosedSession

export const OPENED: OpenSession = Object.freeze({
  phase: 'relaying',
  status: 'I',
  writes: 'unknown',
  stream: 'units',
  inFlight: undefined,
})

/** Whether the session is between transactions with nothing in flight. */
export function isIdle(state: SessionState): boolean {
  return state.phase !== 'closed' && state.inFlight === undefined && state.status === 'I'
}

/** What a finished unit showed: its boundary, the status its reply ended with, its command tags. */
export interface FinishedUnit {
  readonly boundary: UnitBoundary
  readonly status: TransactionStatus | undefined
  /** Whether a command tag of the reply shows a write or a catalog change. */
  readonly wroteByTag: boolean
}

/**
 * The state after a unit's reply, and whether the transaction it ran in (or ended) wrote, for
 * the unit's outcome. Pure.
 */
export function afterUnit(state: OpenSession, unit: FinishedUnit): { next: OpenSession; wrote: boolean } {
  const known = unit.wroteByTag ? 'wrote' : state.writes
  let writes: WriteKnowledge = known === 'none' ? 'unknown' : known
  let stream = state.stream
  if (unit.boundary === 'flush') stream = stream === 'skip-to-sync' ? stream : 'flush-sequence'
  else if (unit.boundary !== 'other') stream = 'units'
  let status = state.status
  if (unit.status !== undefined) {
    status = unit.status
    if (status === 'I') writes = 'unknown'
  }
  return {
    next: { phase: state.phase, status, writes, stream, inFlight: undefined },
    wrote: known === 'wrote',
  }
}
