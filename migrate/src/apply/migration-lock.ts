import { performance } from 'node:perf_hooks'
import { MigrationLockError } from './apply-errors.js'
import type { ApplyEvent } from './apply-events.js'
import type { LockOptions } from './apply-options.js'
import { pause, type RetryPolicy } from './backoff.js'
import type { MigratePool } from './migrate-pool.js'
import { qualified } from './recognition/recognition.js'
import { type RunnerSession, withIdempotentRetries } from './runner-session.js'
import { classifyFailure, isConflict } from './sql-errors.js'

const LOCK_NAME = 'apply'
// The lease's end by the database's clock, so runners on machines whose clocks differ agree.
const LEASE_END = `now() + $3::float8 * interval '1 millisecond'`

/**
 * The lock that keeps runners apart, without advisory locks (DSQL has none): one row, claimed
 * by an UPDATE that only matches while the row is free, expired, or already this runner's.
 * Two runners claiming at once both match in their snapshots, and DSQL's optimistic
 * concurrency lets only one commit; the other gets OC000, retries, and sees the row taken.
 *
 * The claim is a lease: `expires_at` moves forward every time the runner writes the journal
 * (the journal write and the renewal are one transaction, so a runner that lost the lock
 * cannot record anything), and from a timer while a statement or a job takes long. A runner
 * that dies holds the lock until its lease ends.
 */
export class MigrationLock {
  readonly holder: string
  readonly #pool: MigratePool
  readonly #table: string
  readonly #options: Required<LockOptions>
  readonly #retry: RetryPolicy
  readonly #emit: (event: ApplyEvent) => void
  #renewedAt = 0
  #lost = false
  #timer: NodeJS.Timeout | undefined
  #renewing: Promise<void> | undefined

  constructor(
    pool: MigratePool,
    names: { schema: string; lockTable: string },
    options: Required<LockOptions>,
    retry: RetryPolicy,
    emit: (event: ApplyEvent) => void,
  ) {
    this.holder = options.holderId
    this.#pool = pool
    this.#table = qualified(names.schema, names.lockTable)
    this.#options = options
    this.#retry = retry
    this.#emit = emit
  }

  /** Takes the lock, waiting for it (or not) as the options say. */
  async acquire(session: RunnerSession): Promise<void> {
    const started = performance.now()
    let seen: string | undefined
    await this.#retrying(() =>
      session.query(`INSERT INTO ${this.#table} (lock_name) VALUES ($1) ON CONFLICT (lock_name) DO NOTHING`, [
        LOCK_NAME,
      ]),
    )
    for (;;) {
      const claimed = await this.#retrying(() =>
        session.query(
          `UPDATE ${this.#table} SET holder = $2, acquired_at = now(), expires_at = ${LEASE_END}
            WHERE lock_name = $1 AND (holder IS NULL OR holder = $2 OR expires_at < now()) RETURNING holder`,
          [LOCK_NAME, this.holder, this.#options.leaseMs],
        ),
      )
      if (claimed.rows.length === 1) {
        this.#renewedAt = performance.now()
        this.#emit({ type: 'lock.acquired', holder: this.holder })
        this.#startRenewing()
        return
      }
      const { rows } = await this.#retrying(() =>
        session.query(`SELECT holder, expires_at FROM ${this.#table} WHERE lock_name = $1`, [LOCK_NAME]),
      )
      const holder =
        rows[0]?.holder === null || rows[0]?.holder === undefined ? undefined : String(rows[0].holder)
      const expiresAt = rows[0]?.expires_at instanceof Date ? rows[0].expires_at : undefined
      if (holder === undefined) continue
      if (!this.#options.wait) {
        throw new MigrationLockError(
          'busy',
          holder,
          `Another runner (${holder}) is applying migrations, and lock.wait is false. Run again when it is done; ` +
            `if that runner died, its lock ends at ${expiresAt?.toISOString() ?? 'its lease end'}.`,
        )
      }
      if (performance.now() - started >= this.#options.waitTimeoutMs) {
        throw new MigrationLockError(
          'timeout',
          holder,
          `Another runner (${holder}) held the migration lock for the whole of lock.waitTimeoutMs (${this.#options.waitTimeoutMs} ms). ` +
            'Run again later, or raise lock.waitTimeoutMs.',
        )
      }
      if (holder !== seen) this.#emit({ type: 'lock.waiting', holder, expiresAt })
      seen = holder
      // Jittered, so runners that wait together do not all claim at the same moment.
      await pause(this.#options.pollIntervalMs * (0.5 + Math.random() / 2))
    }
  }

  /**
   * Inside the caller's transaction: renews the lease, and fails when this runner no longer
   * holds the lock. A journal write that follows commits only if the lock is still ours.
   */
  async fence(session: RunnerSession): Promise<void> {
    this.assertHeld()
    const renewed = await session.query(
      `UPDATE ${this.#table} SET expires_at = ${LEASE_END} WHERE lock_name = $1 AND holder = $2`,
      [LOCK_NAME, this.holder, this.#options.leaseMs],
    )
    if (renewed.rowCount !== 1) {
      this.#lost = true
      this.assertHeld()
    }
  }

  /** Called after a fenced transaction committed: the lease was renewed then. */
  renewed(): void {
    this.#renewedAt = performance.now()
  }

  assertHeld(): void {
    if (this.#lost) {
      throw new MigrationLockError(
        'lost',
        undefined,
        `This runner (${this.holder}) lost the migration lock: its lease (lock.leaseMs = ${this.#options.leaseMs} ms) ran out ` +
          'and another runner took it. It stopped before recording anything more; the other runner resumes where it stopped. ' +
          'If statements or jobs take longer than the lease, raise lock.leaseMs.',
      )
    }
  }

  /** Gives the lock up (only if still ours) and stops renewing. */
  async release(session: RunnerSession): Promise<void> {
    this.#stopRenewing()
    await this.#renewing
    if (this.#lost) return
    await this.#retrying(() =>
      session.query(
        `UPDATE ${this.#table} SET holder = NULL, acquired_at = NULL, expires_at = NULL WHERE lock_name = $1 AND holder = $2`,
        [LOCK_NAME, this.holder],
      ),
    )
    this.#emit({ type: 'lock.released', holder: this.holder })
  }

  /** Stops renewing without releasing: the run failed, and the lease ends on its own. */
  abandon(): void {
    this.#stopRenewing()
  }

  #retrying<T>(work: () => Promise<T>): Promise<T> {
    return withIdempotentRetries(this.#retry, work, (notice) =>
      this.#emit({ type: 'journal.retried', ...notice }),
    )
  }

  #startRenewing(): void {
    const everyMs = Math.max(50, Math.floor(this.#options.leaseMs / 3))
    this.#timer = setInterval(() => {
      if (this.#renewing !== undefined || this.#lost) return
      if (performance.now() - this.#renewedAt < everyMs) return
      this.#renewing = this.#renew().finally(() => {
        this.#renewing = undefined
      })
    }, everyMs)
    // The lease must not keep a process alive that has nothing else to do.
    this.#timer.unref()
  }

  #stopRenewing(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One renewal on a connection of its own (the runner's may be busy waiting for a job). */
  async #renew(): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      let client: Awaited<ReturnType<MigratePool['connect']>> | undefined
      try {
        client = await this.#pool.connect()
        const result = await client.query(
          `UPDATE ${this.#table} SET expires_at = ${LEASE_END} WHERE lock_name = $1 AND holder = $2`,
          [LOCK_NAME, this.holder, this.#options.leaseMs],
        )
        client.release()
        if (result.rowCount === 1) this.#renewedAt = performance.now()
        else this.#lost = true
        return
      } catch (error) {
        client?.release(error instanceof Error ? error : true)
        // A conflict (another session's DDL, OC001) clears on the next try; anything else waits
        // for the next tick, and a lease that truly ran out is caught by the next fenced write.
        if (!isConflict(classifyFailure(error))) return
      }
    }
  }
}
