import type { MigratePool } from '../../../../src/index.js'

/** The journal's rows without times, runners and job ids, which differ between runs. */
export interface JournalLine {
  readonly migration: string
  readonly index: number
  readonly hash: string
  readonly checksum: string
  readonly state: string
}

async function rows(
  pool: MigratePool,
  sql: string,
  values: readonly unknown[] = [],
): Promise<Record<string, unknown>[]> {
  const client = await pool.connect()
  try {
    // OC001 after another session's DDL clears on the next try (reference §3.3).
    for (let attempt = 1; ; attempt++) {
      try {
        return [...(await client.query(sql, values)).rows]
      } catch (error) {
        if ((error as { code?: string }).code !== '40001' || attempt === 5) throw error
      }
    }
  } finally {
    client.release()
  }
}

/**
 * The schema of `schema` as the catalog holds it: tables, columns (type, NOT NULL, default,
 * identity), indexes (`pg_get_indexdef`, valid) and constraints (`pg_get_constraintdef`,
 * validated), in a stable order, without the migrator's own tables.
 */
export async function schemaSnapshot(pool: MigratePool, schema = 'public'): Promise<unknown> {
  const own = ['pg_dsql_migrate_journal', 'pg_dsql_migrate_journal_lock']
  const columns = await rows(
    pool,
    `SELECT c.relname AS table, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull, a.attidentity::text AS identity, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind = 'r' AND NOT (c.relname = ANY ($2))
      ORDER BY c.relname, a.attnum`,
    [schema, own],
  )
  const indexes = await rows(
    pool,
    `SELECT c.relname AS index, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, i.indisvalid AS valid
       FROM pg_catalog.pg_index i
       JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
       JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT (t.relname = ANY ($2))
      ORDER BY c.relname`,
    [schema, own],
  )
  const constraints = await rows(
    pool,
    `SELECT t.relname AS table, k.conname, pg_catalog.pg_get_constraintdef(k.oid) AS definition, k.convalidated
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class t ON t.oid = k.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND NOT (t.relname = ANY ($2))
      ORDER BY t.relname, k.conname`,
    [schema, own],
  )
  return { columns, indexes, constraints }
}

export async function journalLines(
  pool: MigratePool,
  table = 'public.pg_dsql_migrate_journal',
): Promise<JournalLine[]> {
  const found = await rows(
    pool,
    `SELECT migration_id, statement_index, statement_hash, migration_checksum, state FROM ${table}
      ORDER BY migration_id, statement_index`,
  )
  return found.map((row) => ({
    migration: String(row.migration_id),
    index: Number(row.statement_index),
    hash: String(row.statement_hash),
    checksum: String(row.migration_checksum),
    state: String(row.state),
  }))
}

/** Runs one statement on its own connection (a writer outside the runner). */
export async function run(
  pool: MigratePool,
  sql: string,
  values: readonly unknown[] = [],
): Promise<Record<string, unknown>[]> {
  return rows(pool, sql, values)
}
