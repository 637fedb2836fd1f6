import type { ResolvedRetry } from '../config/index.js'
import { CHECKOUT_TIMED_OUT, errorVerdict } from '../errors/index.js'
import type { EventSink } from '../observability/index.js'
import { autocommitRetryDelay } from './autocommit-retry.js'

/** Where a connect loop stands: which attempt, since when, and whether a token was re-signed. */
export interface ConnectAttempt {
  readonly attempt: number
  /** When the first attempt failed (epoch ms), 0 before any failed. */
  readonly startedAt: number
  /** A refused token was dropped and a fresh one signed already; it is done once. */
  readonly signedAfresh: boolean
}

const FIRST_ATTEMPT: ConnectAttempt = Object.freeze({ attempt: 1, startedAt: 0, signedAfresh: false })

/**
 * What to do after a connect failed, before anything was sent: a refused token is signed afresh
 * and tried again at once (the client dropped it from the cache), a failure on the endpoint
 * (refused, timed out, rate limited, gone dark) is tried again after a backoff within the retry
 * budget (the router sends it to a healthy endpoint), and anything else is given up (undefined).
 */
export function nextConnectAttempt(
  error: unknown,
  current: ConnectAttempt,
  retry: ResolvedRetry,
  events: EventSink,
  now: () => number = Date.now,
): { readonly delayMs: number; readonly next: ConnectAttempt } | undefined {
  if (errorVerdict(error).tokenRefused && !current.signedAfresh) {
    return { delayMs: 0, next: { ...current, signedAfresh: true } }
  }
  const startedAt = current.startedAt === 0 ? now() : current.startedAt
  const delayMs = autocommitRetryDelay(
    { error, attempt: current.attempt, startedAt, allow: 'connect' },
    retry,
    events,
    now,
  )
  if (delayMs === undefined) return undefined
  return { delayMs, next: { attempt: current.attempt + 1, startedAt, signedAfresh: current.signedAfresh } }
}

function noRelease(): void {}

/** pg-pool's checkout callback. */
export type CheckoutCallback<C> = (
  error: Error | undefined,
  client?: C,
  done?: (release?: unknown) => void,
) => void

/**
 * Checks a connection out with `checkoutOnce` (pg-pool's own connect) and tries again as
 * `nextConnectAttempt` says. The one connect loop: `pool.connect()`, every `pool.query()` and
 * every transaction attempt get their connections through it. The wait, from the first try to
 * the connection, goes into the tally's checkout histogram (two clock reads per checkout, in the
 * closure each checkout has anyway).
 */
export function connectWithRetry<C>(
  checkoutOnce: (callback: CheckoutCallback<C>) => void,
  retry: ResolvedRetry,
  events: EventSink,
  callback: CheckoutCallback<C>,
  current: ConnectAttempt = FIRST_ATTEMPT,
  waitStartedAt: number = performance.now(),
): void {
  checkoutOnce((error, client, done) => {
    if (error === undefined || error === null) {
      events.tally.checkedOut(performance.now() - waitStartedAt)
      callback(undefined, client, done)
      return
    }
    if (errorVerdict(error).reason === CHECKOUT_TIMED_OUT) events.tally.checkoutTimedOut()
    const after = nextConnectAttempt(error, current, retry, events)
    // pg-pool hands a failed checkout a no-op `release` too.
    if (after === undefined) callback(error, undefined, noRelease)
    else
      setTimeout(
        () => connectWithRetry(checkoutOnce, retry, events, callback, after.next, waitStartedAt),
        after.delayMs,
      )
  })
}
