import { AsyncLocalStorage } from 'node:async_hooks'
import type { ResolvedRetry } from '../config/index.js'
import { errorVerdict, TransactionAbortedError, TransactionMisuseError } from '../errors/index.js'
import { type EventSink, eventError } from '../observability/index.js'
import { abortableSleep } from './abortable-sleep.js'
import type { CommitMarkers } from './commit-markers.js'
import {
  type AttemptDecision,
  decideAfterFailure,
  transactionFinished as finish,
  outcomeUnknown,
} from './failure-decision.js'
import type { Lease, TransactionClient, TransactionTarget } from './retry-target.js'

/** Where the attempt was when it failed; a failure during COMMIT may have committed. */
type Phase = 'connect' | 'begin' | 'body' | 'commit'

// DSQL has no savepoints: a transaction() inside another one's callback would silently become
// a second, independent transaction. The store marks the callback's async context.
const insideTransaction = new AsyncLocalStorage<true>()
const clientsInTransaction = new WeakSet<object>()

export interface RunTransactionOptions {
  readonly retry: ResolvedRetry
  readonly events: EventSink
  /** Shared bookkeeping for `exactlyOnce`; used only when it is on. */
  readonly markers: CommitMarkers
  readonly now?: () => number
  readonly random?: () => number
}

/**
 * Runs `fn` inside BEGIN … COMMIT and retries what is safe to retry: conflicts (40001) and
 * failures before COMMIT was sent, each on a healthy connection. A failure after COMMIT was sent
 * and before its answer is never retried on its own: it becomes TransactionOutcomeUnknownError,
 * unless the work is idempotent or `exactlyOnce` can tell whether it landed.
 */
export async function runTransaction<C extends TransactionClient, T>(
  target: TransactionTarget<C>,
  fn: (client: C) => Promise<T> | T,
  options: RunTransactionOptions,
): Promise<T> {
  if (insideTransaction.getStore() === true) {
    throw new TransactionMisuseError(
      'transaction() was called inside another transaction() callback. DSQL has no savepoints, so it cannot ' +
        'nest; run the inner work on the client the outer callback received.',
    )
  }
  const { retry, events } = options
  const markers = retry.exactlyOnce ? options.markers : undefined
  const now = options.now ?? Date.now
  const startedAt = now()
  const markerId = markers?.newId()
  if (markers !== undefined) await markers.ensureTable(target)
  /** fn's result from an attempt whose COMMIT had no answer, returned if that commit landed. */
  let unansweredResult: { value: T } | undefined
  /** An earlier COMMIT with no answer that nothing settled since (see decideAfterFailure). */
  let unsettledCommit: unknown

  for (let attempt = 1; ; attempt++) {
    retry.signal?.throwIfAborted()
    const run = () => attemptOnce(target, fn, retry.readOnly, markers, markerId)
    // An adapter tracing attempts (pg-dsql/otel) runs each in a span of its own, so the queries'
    // spans nest under the attempt they belong to.
    const span = events.tally.tracesAttempts
      ? events.tally.startAttempt({ attempt, readOnly: retry.readOnly })
      : undefined
    const result = span === undefined ? await run() : await span.run(run)
    span?.end({
      committed: result.committed,
      error: result.failure === undefined ? undefined : eventError(result.failure),
    })
    const { phase, failure, committed, value } = result
    if (result.unanswered !== undefined) unansweredResult = result.unanswered
    if (committed) {
      finish(events, 'committed', attempt, now() - startedAt, retry.readOnly)
      if (markers !== undefined) markers.cleanUpSoon(target, now())
      return value as T
    }
    if (!target.canReconnect && errorVerdict(failure).connectionLost) {
      // A lone client cannot replace its connection; say what happened to it.
      finish(events, phase === 'commit' ? 'unknown' : 'failed', attempt, now() - startedAt, retry.readOnly)
      throw phase === 'commit' ? outcomeUnknown(failure, attempt) : failure
    }
    const decision = await decide(
      target,
      failure,
      phase,
      attempt,
      startedAt,
      options,
      markerId,
      unansweredResult,
      unsettledCommit,
    )
    if (decision.kind === 'committed') {
      finish(events, 'committed', attempt, now() - startedAt, retry.readOnly)
      return decision.value as T
    }
    if (decision.kind === 'throw') {
      finish(events, decision.outcome, attempt, now() - startedAt, retry.readOnly)
      throw decision.error
    }
    unsettledCommit = decision.unsettledCommit
    await abortableSleep(decision.delayMs, retry.signal)
  }
}

/** How one attempt ended: where it was, its failure, and fn's result. */
interface AttemptResult<T> {
  readonly phase: Phase
  readonly failure: unknown
  readonly committed: boolean
  readonly value: T | undefined
  /** fn's result when this attempt's COMMIT had no answer. */
  readonly unanswered: { value: T } | undefined
}

/** One attempt: a connection, BEGIN, fn, COMMIT, and the connection given back. */
async function attemptOnce<C extends TransactionClient, T>(
  target: TransactionTarget<C>,
  fn: (client: C) => Promise<T> | T,
  readOnly: boolean,
  markers: CommitMarkers | undefined,
  markerId: string | undefined,
): Promise<AttemptResult<T>> {
  let phase: Phase = 'connect'
  let failure: unknown
  let committed = false
  let value: T | undefined
  let unanswered: { value: T } | undefined
  const lease = await target.acquire().catch((error: unknown) => {
    failure = error
    return undefined
  })
  if (lease !== undefined) {
    const client = lease.client
    try {
      claim(client)
      phase = 'begin'
      await client.query(readOnly ? 'BEGIN READ ONLY' : 'BEGIN')
      phase = 'body'
      if (markers !== undefined && markerId !== undefined) await markers.write(client, markerId)
      value = await insideTransaction.run(true, () => fn(client))
      phase = 'commit'
      const commit = await client.query('COMMIT')
      if (commit.command === 'ROLLBACK') {
        throw new TransactionAbortedError(
          'COMMIT answered ROLLBACK: a statement inside the transaction failed and its error was caught ' +
            'inside the callback, so nothing was committed. Let the error propagate instead of catching it.',
        )
      }
      committed = true
    } catch (error) {
      failure = error
      // Keep what fn returned: if this COMMIT landed after all, it is the transaction's result.
      if (phase === 'commit' && !(error instanceof TransactionAbortedError))
        unanswered = { value: value as T }
    } finally {
      await release(lease, client, failure, phase)
    }
  }
  return { phase, failure, committed, value, unanswered }
}

/** After a failed attempt: the shared decision, or an exactlyOnce marker saying it committed. */
type Decision = AttemptDecision | { kind: 'committed'; value: unknown }

/**
 * What runTransaction adds to the shared decision: exactlyOnce's markers. A marker that already
 * exists means an earlier attempt whose COMMIT had no answer did commit; after such a COMMIT, the
 * marker says whether it landed, and when it cannot say, retrying is still safe, because the next
 * attempt writes the same marker key and cannot commit next to a late first commit.
 */
async function decide<C extends TransactionClient, T>(
  target: TransactionTarget<C>,
  failure: unknown,
  phase: Phase,
  attempt: number,
  startedAt: number,
  options: RunTransactionOptions,
  markerId: string | undefined,
  unanswered: { value: T } | undefined,
  unsettledCommit: unknown,
): Promise<Decision> {
  const markers = options.retry.exactlyOnce ? options.markers : undefined
  if (markers !== undefined && isUniqueViolation(failure) && unanswered !== undefined) {
    return { kind: 'committed', value: unanswered.value }
  }
  let mayHaveCommitted = phase === 'commit'
  if (markers !== undefined && markerId !== undefined && phase === 'commit') {
    if (errorVerdict(failure).retry === 'if-idempotent') {
      const landed = await markers.committed(target, markerId).catch(() => undefined)
      if (landed === true) return { kind: 'committed', value: unanswered?.value }
      // Every attempt writes the same marker: none of their COMMITs landed.
      if (landed === false) {
        mayHaveCommitted = false
        unsettledCommit = undefined
      }
    }
  }
  return decideAfterFailure({
    failure,
    attempt,
    startedAt,
    mayHaveCommitted,
    unsettledCommit,
    beforeAnything: phase === 'connect',
    safeToRepeat: options.retry.idempotent || markers !== undefined,
    retry: options.retry,
    events: options.events,
    now: options.now,
    random: options.random,
  })
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505'
}

function claim(client: object): void {
  if (clientsInTransaction.has(client)) {
    throw new TransactionMisuseError(
      'transaction() was called on a client that is already running a transaction() (two calls at once on one ' +
        'client). DSQL has no savepoints; await the first, or use pool.transaction() to get a connection each.',
    )
  }
  const status = (client as TransactionClient).getTransactionStatus?.()
  if (status === 'T' || status === 'E') {
    throw new TransactionMisuseError(
      'transaction() was called on a client that is inside its own BEGIN block. Commit or roll that back first: ' +
        'DSQL has no savepoints to nest a transaction in.',
    )
  }
  clientsInTransaction.add(client)
}

/**
 * Gives the connection back in a clean state: rolled back if a transaction is still open, and
 * destroyed (never returned to the pool) when it died or its state is unclear.
 */
async function release<C extends TransactionClient>(
  lease: Lease<C>,
  client: C,
  failure: unknown,
  phase: Phase,
): Promise<void> {
  if (failure instanceof TransactionMisuseError && phase === 'connect') {
    lease.release(false)
    return
  }
  clientsInTransaction.delete(client)
  if (failure === undefined) {
    lease.release(false)
    return
  }
  const status = client.getTransactionStatus?.()
  const verdict = errorVerdict(failure)
  // A connection whose Region answered "server unavailable" goes too: the next attempt should
  // get a connection wherever the router sends it, not the same Region again.
  if (verdict.connectionLost || verdict.endpointFault || (phase === 'commit' && status !== 'I')) {
    lease.release(true)
    return
  }
  if (status === 'I') {
    lease.release(false)
    return
  }
  try {
    await client.query('ROLLBACK')
    lease.release(false)
  } catch {
    lease.release(true)
  }
}
