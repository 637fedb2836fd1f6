/** The faults `inject` arms. */
export const FAULT_KINDS = [
  'occ',
  'schema',
  'server-unavailable',
  'drop-connection',
  'commit-ambiguous',
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** What a client gets after a `commit-ambiguous` commit applied. */
export const AMBIGUOUS_REPLIES = ['error', 'drop'] as const
export type AmbiguousReply = (typeof AMBIGUOUS_REPLIES)[number]

/**
 * A fault to inject. Which events it hits:
 * - `occ`: the next COMMIT of a transaction that wrote, or the next autocommit write, fails
 *   with `40001` `change conflicts with another transaction (OC000)` and is rolled back.
 * - `schema`: the next statement fails with `40001` `schema has been updated by another
 *   transaction (OC001)`.
 * - `server-unavailable`: the next statement fails with `XX000` `server unavailable`; the
 *   connection stays usable.
 * - `drop-connection`: the next statement's connection is closed without a reply.
 * - `commit-ambiguous`: the next COMMIT of a transaction that wrote (or autocommit write) really
 *   commits, then the client gets `XX000` `server unavailable` (`reply: 'error'`) or a dropped
 *   connection (`reply: 'drop'`).
 *
 * `count` events are hit (default 1), each with chance `probability` (default 1). With only a
 * `probability`, the fault stays armed until `clearFaults()`.
 */
export interface FaultSpec {
  readonly kind: FaultKind
  /** Only sessions on this Region's endpoint. Default: any Region. */
  readonly region?: string
  readonly count?: number
  readonly probability?: number
  /** `commit-ambiguous` only. @default 'error' */
  readonly reply?: AmbiguousReply
}

/** An armed fault, as `inject` and `stats()` report it. */
export interface InjectedFault {
  readonly id: number
  readonly kind: FaultKind
  readonly region: string | undefined
  /** Events it will still hit; `null` when it stays armed until cleared. */
  readonly remaining: number | null
  readonly probability: number
  readonly reply: AmbiguousReply
}

/** The armed faults, consumed as events hit them. Pure: randomness comes in as `random`. */
export class FaultPlan {
  readonly #random: () => number
  #faults: InjectedFault[] = []
  #nextId = 1

  constructor(random: () => number = Math.random) {
    this.#random = random
  }

  get size(): number {
    return this.#faults.length
  }

  /** Arms a fault from a checked spec. */
  add(spec: FaultSpec): InjectedFault {
    const unlimited = spec.count === undefined && spec.probability !== undefined
    const fault: InjectedFault = Object.freeze({
      id: this.#nextId++,
      kind: spec.kind,
      region: spec.region,
      remaining: unlimited ? null : (spec.count ?? 1),
      probability: spec.probability ?? 1,
      reply: spec.reply ?? 'error',
    })
    this.#faults.push(fault)
    return fault
  }

  clear(): void {
    this.#faults = []
  }

  list(): readonly InjectedFault[] {
    return this.#faults
  }

  /**
   * For an event that one of `kinds` could hit in `region`: the fault that fires, if any. Each
   * armed fault of those kinds rolls its probability in turn; the one that fires uses up one of
   * its count.
   */
  take(kinds: readonly FaultKind[], region: string): InjectedFault | undefined {
    for (let i = 0; i < this.#faults.length; i++) {
      const fault = this.#faults[i]!
      if (!kinds.includes(fault.kind) || (fault.region !== undefined && fault.region !== region)) continue
      if (fault.probability < 1 && this.#random() >= fault.probability) continue
      if (fault.remaining !== null) {
        if (fault.remaining <= 1) this.#faults.splice(i, 1)
        else this.#faults[i] = Object.freeze({ ...fault, remaining: fault.remaining - 1 })
      }
      return fault
    }
    return undefined
  }
}
