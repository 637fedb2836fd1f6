import type { ApplyEvent } from './apply-events.js'
import type { RetryPolicy } from './backoff.js'
import { qualified } from './recognition/recognition.js'
import { type RunnerSession, withIdempotentRetries } from './runner-session.js'
import { sqlStateOf } from './sql-errors.js'

/** How a statement's row in the journal got there. */
export const JOURNAL_STATES = ['started', 'applied', 'recovered'] as const
export type JournalState = (typeof JOURNAL_STATES)[number]

/** One row of the journal: one statement of one migration. */
export interface JournalRow {
  readonly migrationId: string
  readonly index: number
  /** sha256 (hex) of the statement's SQL as it ran. */
  readonly statementHash: string
  /** sha256 (hex) of the migration's source when this statement was recorded. */
  readonly migrationChecksum: string
  /** How many statements the migration's plan had when this statement was recorded. */
  readonly statementCount: number
  /**
   * `started`: about to run, outcome not recorded (a run stopped here); `applied`: ran and
   * recorded; `recovered`: found applied in the catalog after a run stopped, then recorded.
   */
  readonly state: JournalState
  readonly jobId: string | undefined
  readonly appliedAt: Date | undefined
  /** The runner that wrote the row (its `lock.holderId`). */
  readonly runner: string
}

/** What a journal write records. */
export interface JournalEntry {
  readonly migrationId: string
  readonly index: number
  readonly statementHash: string
  readonly migrationChecksum: string
  readonly statementCount: number
}

export interface JournalNames {
  readonly schema: string
  readonly table: string
  readonly lockTable: string
}

/**
 * The journal's two tables, in forms DSQL accepts: text keys (no serial), no defaults that need
 * a sequence, one DDL statement per transaction, `IF NOT EXISTS` so that runners racing to
 * create them both succeed.
 *
 * This is the shape 0.1.0, the first release, ships; `statement_count` joined it before that
 * release, so no published version made a journal without it and none is migrated here. A later
 * change to the shape must add its columns nullable (`ALTER TABLE ... ADD COLUMN`, one DDL per
 * transaction, no default: what DSQL accepts) and read a missing value as "unknown".
 */
function tableDefinitions(names: JournalNames): { name: string; sql: string }[] {
  const journal = qualified(names.schema, names.table)
  const lock = qualified(names.schema, names.lockTable)
  return [
    {
      name: names.table,
      sql: `CREATE TABLE IF NOT EXISTS ${journal} (
  migration_id text NOT NULL,
  statement_index integer NOT NULL,
  statement_hash text NOT NULL,
  migration_checksum text NOT NULL,
  statement_count integer NOT NULL,
  state text NOT NULL CHECK (state IN ('started', 'applied', 'recovered')),
  job_id text,
  runner text NOT NULL,
  started_at timestamptz NOT NULL,
  applied_at timestamptz,
  PRIMARY KEY (migration_id, statement_index)
)`,
    },
    {
      name: names.lockTable,
      sql: `CREATE TABLE IF NOT EXISTS ${lock} (
  lock_name text PRIMARY KEY,
  holder text,
  acquired_at timestamptz,
  expires_at timestamptz
)`,
    },
  ]
}

/** Reads and writes the journal. Every write is idempotent, so it can be retried blindly. */
export class Journal {
  readonly #names: JournalNames
  readonly #table: string
  readonly #retry: RetryPolicy
  readonly #emit: (event: ApplyEvent) => void

  constructor(names: JournalNames, retry: RetryPolicy, emit: (event: ApplyEvent) => void) {
    this.#names = names
    this.#table = qualified(names.schema, names.table)
    this.#retry = retry
    this.#emit = emit
  }

  retrying<T>(work: () => Promise<T>): Promise<T> {
    return withIdempotentRetries(this.#retry, work, (notice) =>
      this.#emit({ type: 'journal.retried', ...notice }),
    )
  }

  /** Creates the tables that are missing. Creating nothing is the common case: one catalog read. */
  async ensure(session: RunnerSession): Promise<void> {
    for (const table of tableDefinitions(this.#names)) {
      if (await this.#exists(session, table.name)) continue
      await this.retrying(async () => {
        try {
          await session.query(table.sql)
        } catch (error) {
          // A runner that raced us created it first: PostgreSQL may say so with a duplicate
          // (23505 on its catalog, 42P07 for the table, 42710 for its row type) rather than IF
          // NOT EXISTS's notice. (DSQL answers the loser's COMMIT with OC001, which is retried.)
          const state = sqlStateOf(error)
          if (
            (state === '23505' || state === '42P07' || state === '42710') &&
            (await this.#exists(session, table.name))
          )
            return
          throw error
        }
      })
      this.#emit({ type: 'journal.created', table: `${this.#names.schema}.${table.name}` })
    }
  }

  async #exists(session: RunnerSession, table: string): Promise<boolean> {
    const { rows } = await this.retrying(() =>
      session.query(
        `SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2`,
        [this.#names.schema, table],
      ),
    )
    return rows.length > 0
  }

  /** Every row, or none when the journal does not exist yet (`status` on a new cluster). */
  async read(session: RunnerSession): Promise<JournalRow[]> {
    if (!(await this.#exists(session, this.#names.table))) return []
    const { rows } = await this.retrying(() =>
      session.query(
        `SELECT migration_id, statement_index, statement_hash, migration_checksum, statement_count, state, job_id,
                applied_at, runner
           FROM ${this.#table} ORDER BY migration_id, statement_index`,
      ),
    )
    return rows.map((row) => ({
      migrationId: String(row.migration_id),
      index: Number(row.statement_index),
      statementHash: String(row.statement_hash),
      migrationChecksum: String(row.migration_checksum),
      statementCount: Number(row.statement_count),
      state: String(row.state) as JournalState,
      jobId: row.job_id === null || row.job_id === undefined ? undefined : String(row.job_id),
      appliedAt: row.applied_at instanceof Date ? row.applied_at : undefined,
      runner: String(row.runner),
    }))
  }

  /** Records `entry` as `state`, inside the caller's transaction. */
  async write(
    session: RunnerSession,
    entry: JournalEntry,
    state: JournalState,
    runner: string,
    jobId?: string,
  ): Promise<void> {
    const done = state !== 'started'
    await session.query(
      `INSERT INTO ${this.#table}
         (migration_id, statement_index, statement_hash, migration_checksum, statement_count, state, job_id, runner,
          started_at, applied_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), ${done ? 'now()' : 'NULL'})
       ON CONFLICT (migration_id, statement_index) DO UPDATE SET
         statement_hash = EXCLUDED.statement_hash, migration_checksum = EXCLUDED.migration_checksum,
         statement_count = EXCLUDED.statement_count, state = EXCLUDED.state, job_id = EXCLUDED.job_id, runner = EXCLUDED.runner,
         applied_at = EXCLUDED.applied_at${done ? '' : ', started_at = EXCLUDED.started_at'}`,
      [
        entry.migrationId,
        entry.index,
        entry.statementHash,
        entry.migrationChecksum,
        entry.statementCount,
        state,
        jobId ?? null,
        runner,
      ],
    )
  }

  /** Forgets a `started` row, inside the caller's transaction: its statement failed and did nothing. */
  async forget(session: RunnerSession, entry: JournalEntry): Promise<void> {
    await session.query(
      `DELETE FROM ${this.#table} WHERE migration_id = $1 AND statement_index = $2 AND state = 'started'`,
      [entry.migrationId, entry.index],
    )
  }
}
