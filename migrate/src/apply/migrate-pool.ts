/**
 * What the runner needs of a query's result: its rows (DSQL answers `CREATE INDEX ASYNC` and
 * `ALTER TABLE ASYNC` with a `job_id` row) and how many rows a write touched.
 */
export interface MigrateQueryResult {
  readonly rows: readonly Record<string, unknown>[]
  readonly rowCount?: number | null
}

/** A checked-out connection: pg's `PoolClient`, or anything shaped like it. */
export interface MigrateClient {
  query(text: string, values?: readonly unknown[]): Promise<MigrateQueryResult>
  /** Gives the connection back; with an error, the pool closes it instead of reusing it. */
  release(error?: Error | boolean): void
}

/**
 * The subset of pg's `Pool` the runner uses, as Kysely declares its `PostgresPool`: pg-dsql's
 * `DsqlPool`, a plain `pg.Pool`, or any pool with the same `connect()`. The runner holds one
 * connection for the statements and, while it holds the lock, borrows a second now and then to
 * renew the lock's lease, so the pool needs room for two.
 */
export interface MigratePool {
  connect(): Promise<MigrateClient>
}
