import { ATTEMPT_BUCKETS, DURATION_BUCKETS_SEC, FixedHistogram } from './fixed-histogram.js'
import type { AttemptInfo, AttemptSpan, DsqlCounters, PoolObserver, SampleName } from './pool-stats.js'

/** Every count the tally keeps, flat, so snapshots and baselines are one loop. */
const COUNT_NAMES = [
  'connectionsOpened',
  'connectionsFailed',
  'authFailures',
  'connectionsLost',
  'connectionsRecycled',
  'checkoutTimeouts',
  'tokensIssued',
  'tokenErrors',
  'occConflictsData',
  'occConflictsSchema',
  'retriesTransaction',
  'retriesAutocommit',
  'exhaustedTransaction',
  'exhaustedAutocommit',
  'committed',
  'rolledBack',
  'failed',
  'unknown',
  'unknownAutocommit',
  'failovers',
  'failbacks',
  'endpointsDown',
  'endpointsUp',
] as const
type CountName = (typeof COUNT_NAMES)[number]

/** @internal A copy of a tally's counts at one moment (a pool's baseline of shared state). */
export type TallyCounts = Readonly<Record<CountName, number>>

/**
 * @internal The counts and histograms behind `pool.stats()`, kept by each event sink. They are
 * always on: every emit site calls one of these methods before (and whether or not) it builds
 * an event, and each is a numeric increment, so the query path allocates nothing for them.
 */
export class EventTally {
  readonly #counts: Record<CountName, number> = Object.fromEntries(
    COUNT_NAMES.map((name) => [name, 0]),
  ) as Record<CountName, number>
  readonly checkoutWaitSec = new FixedHistogram(DURATION_BUCKETS_SEC)
  readonly connectSec = new FixedHistogram(DURATION_BUCKETS_SEC)
  readonly useSec = new FixedHistogram(DURATION_BUCKETS_SEC)
  readonly transactionAttempts = new FixedHistogram(ATTEMPT_BUCKETS)
  #observers: readonly PoolObserver[] = []

  /** A connection opened in `durationMs`. */
  connected(durationMs: number): void {
    this.#counts.connectionsOpened++
    this.#sample('connectSec', this.connectSec, durationMs / 1000)
  }

  /** A connect failed; `tokenRefused` when DSQL refused the token. */
  connectFailed(tokenRefused: boolean): void {
    this.#counts.connectionsFailed++
    if (tokenRefused) this.#counts.authFailures++
  }

  connectionLost(): void {
    this.#counts.connectionsLost++
  }

  connectionRecycled(): void {
    this.#counts.connectionsRecycled++
  }

  checkoutTimedOut(): void {
    this.#counts.checkoutTimeouts++
  }

  /** A checkout got its connection after waiting `waitMs`. */
  checkedOut(waitMs: number): void {
    this.#sample('checkoutWaitSec', this.checkoutWaitSec, waitMs / 1000)
  }

  /** A checked-out connection came back after `useMs`. */
  released(useMs: number): void {
    this.#sample('useSec', this.useSec, useMs / 1000)
  }

  tokenIssued(): void {
    this.#counts.tokensIssued++
  }

  tokenFailed(): void {
    this.#counts.tokenErrors++
  }

  occConflict(kind: 'data' | 'schema'): void {
    if (kind === 'data') this.#counts.occConflictsData++
    else this.#counts.occConflictsSchema++
  }

  retried(scope: 'transaction' | 'autocommit'): void {
    if (scope === 'transaction') this.#counts.retriesTransaction++
    else this.#counts.retriesAutocommit++
  }

  exhausted(scope: 'transaction' | 'autocommit'): void {
    if (scope === 'transaction') this.#counts.exhaustedTransaction++
    else this.#counts.exhaustedAutocommit++
  }

  transactionEnded(outcome: 'committed' | 'rolled-back' | 'failed' | 'unknown', attempts: number): void {
    if (outcome === 'committed') this.#counts.committed++
    else if (outcome === 'rolled-back') this.#counts.rolledBack++
    else if (outcome === 'failed') this.#counts.failed++
    else this.#counts.unknown++
    this.#sample('transactionAttempts', this.transactionAttempts, attempts)
  }

  /** An autocommit write's answer was lost after it was sent. */
  statementOutcomeUnknown(): void {
    this.#counts.unknownAutocommit++
  }

  endpointHealth(healthy: boolean): void {
    if (healthy) this.#counts.endpointsUp++
    else this.#counts.endpointsDown++
  }

  routeMoved(reason: 'failover' | 'failback'): void {
    if (reason === 'failover') this.#counts.failovers++
    else this.#counts.failbacks++
  }

  /** Adds an observer of single samples and of the end; returns its removal. */
  observe(observer: PoolObserver): () => void {
    this.#observers = [...this.#observers, observer]
    return () => {
      this.#observers = this.#observers.filter((other) => other !== observer)
    }
  }

  /** True when an observer traces transaction attempts (checked before building anything). */
  get tracesAttempts(): boolean {
    return this.#observers.some((observer) => observer.startAttempt !== undefined)
  }

  /** The span of the first observer that traces attempts, if any. */
  startAttempt(attempt: AttemptInfo): AttemptSpan | undefined {
    for (const observer of this.#observers) {
      if (observer.startAttempt === undefined) continue
      try {
        return observer.startAttempt(attempt)
      } catch {
        // A tracer that fails leaves the attempt untraced.
        return undefined
      }
    }
    return undefined
  }

  /** Tells the observers the pool ended. */
  ended(): void {
    for (const observer of this.#observers) {
      try {
        observer.ended?.()
      } catch {
        // An adapter's failure never changes what the pool does.
      }
    }
  }

  counts(): TallyCounts {
    return { ...this.#counts }
  }

  /**
   * The public counters: this tally's, plus what the shared tallies counted since `baselines`
   * were taken (a pool's token cache and router serve other pools too).
   */
  counters(shared: readonly { readonly tally: EventTally; readonly baseline: TallyCounts }[]): DsqlCounters {
    const c = { ...this.#counts }
    for (const { tally, baseline } of shared) {
      for (const name of COUNT_NAMES) c[name] += tally.#counts[name] - baseline[name]
    }
    return {
      connectionsOpened: c.connectionsOpened,
      connectionsFailed: c.connectionsFailed,
      authFailures: c.authFailures,
      connectionsLost: c.connectionsLost,
      connectionsRecycled: c.connectionsRecycled,
      checkoutTimeouts: c.checkoutTimeouts,
      tokensIssued: c.tokensIssued,
      tokenErrors: c.tokenErrors,
      occConflicts: { data: c.occConflictsData, schema: c.occConflictsSchema },
      retries: { transaction: c.retriesTransaction, autocommit: c.retriesAutocommit },
      retriesExhausted: { transaction: c.exhaustedTransaction, autocommit: c.exhaustedAutocommit },
      transactions: {
        committed: c.committed,
        rolledBack: c.rolledBack,
        failed: c.failed,
        unknown: c.unknown,
      },
      outcomeUnknown: { transaction: c.unknown, autocommit: c.unknownAutocommit },
      failovers: c.failovers,
      failbacks: c.failbacks,
      endpointsDown: c.endpointsDown,
      endpointsUp: c.endpointsUp,
    }
  }

  #sample(name: SampleName, histogram: FixedHistogram, value: number): void {
    histogram.record(value)
    const observers = this.#observers
    for (let i = 0; i < observers.length; i++) {
      try {
        observers[i]?.sample?.(name, value)
      } catch {
        // An adapter's failure never changes what the pool does.
      }
    }
  }
}
