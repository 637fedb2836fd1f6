import type { DsqlCredentials, DsqlCredentialsProvider } from '../config/index.js'
import type { EventSink, TokenIssueReason } from '../observability/index.js'
import { eventError } from '../observability/index.js'
import { type SignToken, signWithDsqlSigner, type TokenKey } from './sign-token.js'

/** Starts a timer and returns its cancel function. Background timers never hold the process open. */
export type ScheduleTimer = (callback: () => void, delayMs: number) => () => void

export const scheduleUnref: ScheduleTimer = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs)
  timer.unref()
  return () => clearTimeout(timer)
}

export interface TokenProviderOptions {
  readonly credentials: DsqlCredentialsProvider
  readonly ttlSec: number
  readonly events: EventSink
  readonly sign?: SignToken
  readonly now?: () => number
  readonly schedule?: ScheduleTimer
}

/** A token is refreshed at this fraction of its life. */
export const REFRESH_AT_FRACTION = 0.8
/** Never hand out a token this close to its expiry: the handshake must finish before it. */
export const HANDOUT_MARGIN_MS = 10_000
/** A token never outlives the credentials that signed it, less this margin. */
export const CREDENTIALS_MARGIN_MS = 60_000
const RETRY_AFTER_FAILURE_MS = 5_000
/** A token refused twice within this long is refused for this long: connects fail at once. */
export const REFUSAL_WINDOW_MS = 5_000

interface Entry {
  token: string | undefined
  expiresAt: number
  refreshAt: number
  inflight: Promise<string> | undefined
  cancelTimer: (() => void) | undefined
  /** Handed out since it was minted; an unused token is not refreshed, so idle pools go quiet. */
  used: boolean
  nextReason: TokenIssueReason
}

/** One role's refusals under one key (see TokenProvider.refused). */
interface Refusals {
  /** When the server last refused this role a token of this key. */
  lastRefusedAt: number
  /** Until then, this role's connects fail at once with `refusal` instead of signing and connecting again. */
  blockedUntil: number
  refusal: unknown
}

/**
 * Caches one IAM token per (endpoint host, Region, action) and refreshes it in the background at
 * about 80% of its life, with one signing in flight per key. A new connection takes the cached
 * token and never waits on signing or on credentials while a valid token exists. A token that
 * was not used since it was minted is not refreshed; the next connection after it expires mints
 * one (and waits, once).
 */
export class TokenProvider {
  readonly #credentials: DsqlCredentialsProvider
  readonly #ttlMs: number
  readonly #events: EventSink
  readonly #sign: SignToken
  readonly #now: () => number
  readonly #schedule: ScheduleTimer
  readonly #entries = new Map<string, Entry>()
  readonly #refusals = new Map<string, Refusals>()
  #closed = false

  constructor(options: TokenProviderOptions) {
    this.#credentials = options.credentials
    this.#ttlMs = options.ttlSec * 1000
    this.#events = options.events
    this.#sign = options.sign ?? signWithDsqlSigner
    this.#now = options.now ?? Date.now
    this.#schedule = options.schedule ?? scheduleUnref
  }

  /** How long a token lives, in milliseconds (the `tokenTtlSec` it was built with). */
  get ttlMs(): number {
    return this.#ttlMs
  }

  /** The token for `key`: the cached one while it is valid, otherwise a fresh one. */
  token(key: TokenKey): string | Promise<string> {
    const entry = this.#entry(key)
    const now = this.#now()
    if (entry.token !== undefined && now < entry.expiresAt - HANDOUT_MARGIN_MS) {
      entry.used = true
      // A refresh timer may have been skipped (the process slept): refresh now, in the background.
      if (now >= entry.refreshAt && entry.inflight === undefined) this.#refreshInBackground(key, entry)
      return entry.token
    }
    return this.#mint(key, entry, true)
  }

  /** Starts signing a token for `key` without waiting, so the first connection finds one ready. */
  prefetch(key: TokenKey): void {
    const entry = this.#entry(key)
    if (entry.token === undefined && entry.inflight === undefined) {
      this.#mint(key, entry, false).catch(() => {
        // Reported through a token.error event; the next connect tries again and surfaces it.
      })
    }
  }

  /**
   * The server refused `token`: forget it, so the next connection signs afresh with freshly
   * resolved credentials. A token that was already replaced is left alone.
   */
  invalidate(key: TokenKey, token: string): void {
    const entry = this.#entries.get(keyOf(key))
    if (entry === undefined || entry.token !== token) return
    entry.cancelTimer?.()
    entry.token = undefined
    entry.expiresAt = 0
    entry.nextReason = 'rejected'
  }

  /**
   * The server refused `role` a connection with `token` (see `invalidate`). A second refusal
   * within REFUSAL_WINDOW_MS (a token signed afresh refused too: a skewed clock, a missing
   * permission, a role with no IAM grant) is persistent: for the next REFUSAL_WINDOW_MS,
   * `refusalFor(key, role)` answers `refusal`, so that role's connects fail at once instead of
   * each opening TLS and signing again, and draining the cluster's connection rate for all.
   *
   * Counted per role: a DbConnect token does not name its role, so one key serves every non-admin
   * role of these credentials, and DSQL's refusal cannot say whether the token or the role was at
   * fault. A role that may not log in must not block the roles that may.
   */
  refused(key: TokenKey, role: string, token: string | undefined, refusal: unknown): void {
    if (token !== undefined) this.invalidate(key, token)
    const id = refusalsOf(key, role)
    const refusals = this.#refusals.get(id) ?? {
      lastRefusedAt: Number.NEGATIVE_INFINITY,
      blockedUntil: 0,
      refusal: undefined,
    }
    const now = this.#now()
    if (now - refusals.lastRefusedAt < REFUSAL_WINDOW_MS) {
      refusals.blockedUntil = now + REFUSAL_WINDOW_MS
      refusals.refusal = refusal
    }
    refusals.lastRefusedAt = now
    this.#refusals.set(id, refusals)
  }

  /** The persistent refusal of `role` under `key` still in its window, if any (see `refused`). */
  refusalFor(key: TokenKey, role: string): unknown {
    const refusals = this.#refusals.get(refusalsOf(key, role))
    return refusals !== undefined && this.#now() < refusals.blockedUntil ? refusals.refusal : undefined
  }

  /**
   * Stops every refresh timer and arms none until `resume()`. Cached tokens are still handed
   * out while valid, and a connection that needs one still gets one.
   */
  close(): void {
    this.#closed = true
    for (const entry of this.#entries.values()) {
      entry.cancelTimer?.()
      entry.cancelTimer = undefined
    }
  }

  /** Refreshes in the background again after `close()`; a token due meanwhile refreshes at its next use. */
  resume(): void {
    this.#closed = false
  }

  #entry(key: TokenKey): Entry {
    const id = keyOf(key)
    let entry = this.#entries.get(id)
    if (entry === undefined) {
      entry = {
        token: undefined,
        expiresAt: 0,
        refreshAt: 0,
        inflight: undefined,
        cancelTimer: undefined,
        used: false,
        nextReason: 'initial',
      }
      this.#entries.set(id, entry)
    }
    return entry
  }

  /** Signs a token for `key`; `forConnection` says a connection is waiting for it (so it counts as used). */
  #mint(key: TokenKey, entry: Entry, forConnection: boolean): Promise<string> {
    if (entry.inflight !== undefined) {
      if (forConnection) entry.used = true
      return entry.inflight
    }
    const reason = entry.nextReason
    const startedAt = this.#now()
    this.#sign.prepare?.()
    entry.inflight = this.#credentials()
      .then((credentials) =>
        this.#sign(key, credentials, this.#ttlMs / 1000).then((token) => ({ token, credentials })),
      )
      .then(
        ({ token, credentials }) => {
          this.#store(key, entry, token, startedAt, credentials, forConnection)
          this.#events.tally.tokenIssued()
          this.#events.emit(() => ({
            type: 'token.issued',
            endpoint: key.host,
            region: key.region,
            action: key.action,
            reason,
            durationMs: this.#now() - startedAt,
            expiresAt: entry.expiresAt,
          }))
          return token
        },
        (error: unknown) => {
          this.#events.tally.tokenFailed()
          this.#events.emit(() => ({
            type: 'token.error',
            endpoint: key.host,
            region: key.region,
            action: key.action,
            error: eventError(error),
          }))
          throw error
        },
      )
      .finally(() => {
        entry.inflight = undefined
      })
    return entry.inflight
  }

  #store(
    key: TokenKey,
    entry: Entry,
    token: string,
    signedAt: number,
    credentials: DsqlCredentials,
    used: boolean,
  ): void {
    const credentialsEnd =
      credentials.expiration === undefined
        ? Number.POSITIVE_INFINITY
        : credentials.expiration.getTime() - CREDENTIALS_MARGIN_MS
    const expiresAt = Math.min(signedAt + this.#ttlMs, credentialsEnd)
    entry.token = token
    entry.expiresAt = expiresAt
    entry.refreshAt = signedAt + Math.max(0, expiresAt - signedAt) * REFRESH_AT_FRACTION
    entry.used = used
    entry.nextReason = 'refresh'
    this.#arm(key, entry, entry.refreshAt - this.#now())
  }

  #arm(key: TokenKey, entry: Entry, delayMs: number): void {
    entry.cancelTimer?.()
    entry.cancelTimer = undefined
    if (this.#closed) return
    entry.cancelTimer = this.#schedule(
      () => {
        entry.cancelTimer = undefined
        if (entry.used) this.#refreshInBackground(key, entry)
      },
      Math.max(0, delayMs),
    )
  }

  #refreshInBackground(key: TokenKey, entry: Entry): void {
    entry.nextReason = 'refresh'
    this.#mint(key, entry, false).catch(() => {
      // Keep the current token while it lasts and try again soon; token.error was emitted.
      const remainingMs = entry.expiresAt - HANDOUT_MARGIN_MS - this.#now()
      if (remainingMs > 0) this.#arm(key, entry, Math.min(RETRY_AFTER_FAILURE_MS, remainingMs / 2))
    })
  }
}

function keyOf(key: TokenKey): string {
  return `${key.host}\u0000${key.region}\u0000${key.action}`
}

function refusalsOf(key: TokenKey, role: string): string {
  return `${keyOf(key)}\u0000${role}`
}
