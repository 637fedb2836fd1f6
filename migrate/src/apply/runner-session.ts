import { MigrationConflictError, type StatementRef } from './apply-errors.js'
import { backoffDelayMs, pause, type RetryPolicy } from './backoff.js'
import type { MigrateClient, MigratePool, MigrateQueryResult } from './migrate-pool.js'
import { classifyFailure, isConflict, isOutcomeUnknown, type QueryFailure } from './sql-errors.js'

/** A COMMIT (or an autocommit statement) failed in a way that leaves its outcome unknown. */
export class OutcomeUnknown extends Error {
  override name = 'OutcomeUnknown'
  constructor(
    readonly failure: QueryFailure,
    cause: unknown,
  ) {
    super(`the outcome is unknown (${failure})`, { cause })
  }
}

/** A failure known to have committed nothing (the catalog said so): always safe to retry. */
export class NothingCommitted extends Error {
  override name = 'NothingCommitted'
  constructor(cause: unknown) {
    super('nothing was committed', { cause })
  }
}

/** Retries ran out; `cause` is the last failure. */
export class RetriesExhausted extends Error {
  override name = 'RetriesExhausted'
  constructor(
    readonly attempts: number,
    /** What the last attempt met. */
    readonly failure: QueryFailure,
    cause: unknown,
  ) {
    super(`gave up after ${attempts} attempts`, { cause })
  }
}

/**
 * What a run throws when retries ran out: MigrationConflictError for conflicts; otherwise (the
 * connection, the service) the last error itself, whose code (`08001`, `ECONNREFUSED`, a pg-dsql
 * error's) says what happened, rather than a conflict that never was.
 */
export function exhaustedError(error: RetriesExhausted, statement?: StatementRef): unknown {
  return isConflict(error.failure)
    ? new MigrationConflictError(statement, error.attempts, error.cause)
    : error.cause
}

/** withRetries for journal, lock and catalog work, which is idempotent; gives up as `exhaustedError`. */
export async function withIdempotentRetries<T>(
  policy: RetryPolicy,
  work: () => Promise<T>,
  onRetry: (notice: RetryNotice) => void,
): Promise<T> {
  try {
    return await withRetries(policy, work, { idempotent: true, onRetry })
  } catch (error) {
    throw error instanceof RetriesExhausted ? exhaustedError(error) : error
  }
}

export interface RetryNotice {
  readonly attempt: number
  readonly failure: QueryFailure
  readonly delayMs: number
}

/**
 * Runs `attempt` until it succeeds. Conflicts (OC000, OC001) and failures before any commit (a
 * lost connection, `server unavailable`) are retried with backoff; an unknown commit outcome
 * only when `idempotent` (running the work twice leaves the same result), since otherwise the
 * caller must first find out what happened; anything else is thrown as it is.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (attempt: number) => Promise<T>,
  options: { idempotent: boolean; onRetry: (notice: RetryNotice) => void },
): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt(attempts)
    } catch (error) {
      const failure =
        error instanceof OutcomeUnknown
          ? error.failure
          : classifyFailure(error instanceof NothingCommitted ? error.cause : error)
      const retryable =
        error instanceof NothingCommitted ||
        (error instanceof OutcomeUnknown
          ? options.idempotent
          : isConflict(failure) || failure === 'connection' || failure === 'unavailable')
      if (!retryable) throw error
      if (attempts >= policy.maxAttempts) {
        const last =
          error instanceof NothingCommitted || error instanceof OutcomeUnknown ? error.cause : error
        throw new RetriesExhausted(attempts, failure, last)
      }
      const delayMs = backoffDelayMs(policy, attempts)
      options.onRetry({ attempt: attempts, failure, delayMs })
      await pause(delayMs)
    }
  }
}

/**
 * The runner's own connection, held for the whole run so statements run one after another on
 * one session (a `SET` keeps applying); replaced when it breaks.
 */
export class RunnerSession {
  readonly #pool: MigratePool
  #client: MigrateClient | undefined

  constructor(pool: MigratePool) {
    this.#pool = pool
  }

  async query(text: string, values?: readonly unknown[]): Promise<MigrateQueryResult> {
    this.#client ??= await this.#pool.connect()
    const client = this.#client
    try {
      return await client.query(text, values)
    } catch (error) {
      if (classifyFailure(error) === 'connection') this.#discard(client, error)
      throw error
    }
  }

  /**
   * An autocommit statement: its own transaction. A failure that may have come after it
   * committed is thrown as OutcomeUnknown.
   */
  async autocommit(text: string, values?: readonly unknown[]): Promise<MigrateQueryResult> {
    try {
      return await this.query(text, values)
    } catch (error) {
      const failure = classifyFailure(error)
      if (isOutcomeUnknown(failure)) throw new OutcomeUnknown(failure, error)
      throw error
    }
  }

  /**
   * `BEGIN`, `body`, `COMMIT`. A failure in the body rolls back (nothing committed); a COMMIT
   * that may have applied is thrown as OutcomeUnknown.
   */
  async transaction<T>(body: (session: RunnerSession) => Promise<T>): Promise<T> {
    await this.query('BEGIN')
    let result: T
    try {
      result = await body(this)
    } catch (error) {
      await this.#rollback()
      throw error
    }
    try {
      await this.query('COMMIT')
    } catch (error) {
      const failure = classifyFailure(error)
      if (isOutcomeUnknown(failure)) throw new OutcomeUnknown(failure, error)
      // A refused COMMIT (a conflict) has rolled back already.
      throw error
    }
    return result
  }

  async #rollback(): Promise<void> {
    const client = this.#client
    if (client === undefined) return
    try {
      await client.query('ROLLBACK')
    } catch (error) {
      // The session is unusable if even ROLLBACK fails: close it rather than reuse it.
      this.#discard(client, error)
    }
  }

  #discard(client: MigrateClient, error: unknown): void {
    if (this.#client === client) this.#client = undefined
    client.release(error instanceof Error ? error : true)
  }

  /** Gives the connection back to the pool. */
  release(): void {
    const client = this.#client
    this.#client = undefined
    client?.release()
  }
}
