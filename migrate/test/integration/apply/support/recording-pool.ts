import type { MigrateClient, MigratePool } from '../../../../src/index.js'

export interface RecordedQuery {
  readonly sql: string
  readonly values: readonly unknown[] | undefined
}

/**
 * A pool that passes every query through to `pool` and records it; `before` runs first and may
 * act on the database or the emulator (arm a fault, take the lock) at an exact point of a run.
 * It is what the runner asks of a pool, nothing more: `connect()`, `query`, `release`.
 */
export function recordingPool(
  pool: MigratePool,
  before?: (sql: string, values: readonly unknown[] | undefined) => Promise<void> | void,
): MigratePool & { readonly queries: RecordedQuery[] } {
  const queries: RecordedQuery[] = []
  return {
    queries,
    async connect(): Promise<MigrateClient> {
      const client = await pool.connect()
      return {
        async query(sql, values) {
          await before?.(sql, values)
          queries.push({ sql, values })
          return client.query(sql, values)
        },
        release: (error) => client.release(error),
      }
    },
  }
}

/** Calls `act` once, before the first query that starts with `prefix`. */
export function onceBefore(
  prefix: string,
  act: () => Promise<unknown> | unknown,
): (sql: string) => Promise<void> {
  let done = false
  return async (sql) => {
    if (done || !sql.trimStart().startsWith(prefix)) return
    done = true
    await act()
  }
}
