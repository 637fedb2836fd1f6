import { randomUUID } from 'node:crypto'
import type { TransactionClient, TransactionTarget } from './retry-target.js'

/** The table `exactlyOnce` writes its markers to. */
export const MARKER_TABLE = 'pg_dsql_commit_markers'
/** Markers older than this are deleted; a retry never looks further back than its deadline. */
export const MARKER_RETENTION_SEC = 3600
/** Rows per cleanup statement, well under DSQL's 3,000-row transaction limit. */
const CLEANUP_BATCH_ROWS = 1000
const CLEANUP_INTERVAL_MS = 60_000

/**
 * The bookkeeping behind `exactlyOnce`. Each `transaction()` call gets one marker id; every
 * attempt inserts it first thing after BEGIN. After a COMMIT with an unknown outcome, the
 * marker says whether that attempt landed. If a late commit lands after the lookup, the next
 * attempt's insert of the same key fails (unique violation, or an OCC conflict that resolves to
 * one), so two attempts can never both commit.
 */
export class CommitMarkers {
  #ready: Promise<void> | undefined
  #lastCleanupAt = 0

  newId(): string {
    return randomUUID()
  }

  /**
   * Creates the marker table once per process and endpoint set, in its own transaction (DSQL
   * forbids DDL next to DML). A DDL makes every other session's next statement fail with OC001,
   * so the table is looked up first and created only when missing.
   */
  ensureTable<C extends TransactionClient>(target: TransactionTarget<C>): Promise<void> {
    const ready =
      this.#ready ??
      withConnection(target, async (client) => {
        const { rows } = await client.query(`SELECT to_regclass('${MARKER_TABLE}') IS NOT NULL AS present`)
        if ((rows[0] as { present?: boolean } | undefined)?.present === true) return
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${MARKER_TABLE} (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())`,
        )
      }).catch((error: unknown) => {
        this.#ready = undefined
        throw error
      })
    this.#ready = ready
    return ready
  }

  /** Writes the marker inside the caller's transaction. */
  async write(client: TransactionClient, id: string): Promise<void> {
    await client.query(`INSERT INTO ${MARKER_TABLE} (id) VALUES ($1)`, [id])
  }

  /** True when a marker with `id` committed; asked on a healthy connection of its own. */
  committed<C extends TransactionClient>(target: TransactionTarget<C>, id: string): Promise<boolean> {
    return withConnection(target, async (client) => {
      const { rowCount } = await client.query(`SELECT 1 FROM ${MARKER_TABLE} WHERE id = $1`, [id])
      return (rowCount ?? 0) > 0
    })
  }

  /** Deletes old markers in a batch, at most once a minute, never in the caller's way. */
  cleanUpSoon<C extends TransactionClient>(target: TransactionTarget<C>, now: number): void {
    if (now - this.#lastCleanupAt < CLEANUP_INTERVAL_MS) return
    this.#lastCleanupAt = now
    withConnection(target, (client) =>
      client.query(
        `DELETE FROM ${MARKER_TABLE} WHERE id IN (SELECT id FROM ${MARKER_TABLE} ` +
          `WHERE created_at < now() - interval '${MARKER_RETENTION_SEC} seconds' LIMIT ${CLEANUP_BATCH_ROWS})`,
      ),
    ).catch(() => {
      // Cleanup is best effort; the next one tries again.
    })
  }
}

async function withConnection<C extends TransactionClient, T>(
  target: TransactionTarget<C>,
  work: (client: C) => Promise<T>,
): Promise<T> {
  const lease = await target.acquire()
  let destroy = false
  try {
    return await work(lease.client)
  } catch (error) {
    destroy = true
    throw error
  } finally {
    lease.release(destroy)
  }
}
