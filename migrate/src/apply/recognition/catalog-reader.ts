import type { MigrateQueryResult } from '../migrate-pool.js'
import { sqlStateOf } from '../sql-errors.js'

/** Anything that runs a query: a session or a checked-out client. */
export interface Queryable {
  query(text: string, values?: readonly unknown[]): Promise<MigrateQueryResult>
}

export interface CatalogRelation {
  readonly oid: unknown
  /** pg_class.relkind: `r` table, `i` index, `v` view, `S` sequence … */
  readonly kind: string
  readonly schema: string
}

export interface CatalogColumn {
  readonly name: string
  /** `format_type(atttypid, atttypmod)`, e.g. `character varying(255)`. */
  readonly type: string
  readonly notNull: boolean
  /** `a` (ALWAYS), `d` (BY DEFAULT) or empty. */
  readonly identity: string
  /** `pg_get_expr` of the default, or null. */
  readonly defaultExpr: string | null
}

export interface CatalogConstraint {
  readonly name: string
  readonly type: string
  /** `pg_get_constraintdef`, e.g. `FOREIGN KEY (user_id) REFERENCES users(id) NOT VALID`. */
  readonly definition: string
  readonly validated: boolean
}

export interface CatalogIndex {
  readonly name: string
  /** `pg_get_indexdef`, e.g. `CREATE UNIQUE INDEX users_email ON public.users USING btree (email)`. */
  readonly definition: string
  /** False while DSQL's async build runs, or after it failed. */
  readonly valid: boolean
  readonly table: string
  readonly schema: string
}

export interface CatalogJob {
  readonly jobId: string
  readonly status: string
  readonly details: string | undefined
}

/**
 * The catalog queries recognition needs: pg_catalog only (DSQL supports `pg_class`,
 * `pg_attribute`, `pg_constraint`, `pg_index`, `pg_get_*`), plus DSQL's `sys.jobs`. A missing
 * schema means the search path's first (`current_schema()`), as for an unqualified name.
 */
export class CatalogReader {
  readonly #db: Queryable

  constructor(db: Queryable) {
    this.#db = db
  }

  async relation(schema: string | undefined, name: string): Promise<CatalogRelation | undefined> {
    const { rows } = await this.#db.query(
      `SELECT c.oid, c.relkind::text AS kind, n.nspname AS schema
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = COALESCE($1, current_schema()) AND c.relname = $2`,
      [schema ?? null, name],
    )
    const row = rows[0]
    return row === undefined
      ? undefined
      : { oid: row.oid, kind: String(row.kind), schema: String(row.schema) }
  }

  async columns(oid: unknown): Promise<CatalogColumn[]> {
    const { rows } = await this.#db.query(
      `SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              a.attidentity::text AS identity, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr
         FROM pg_catalog.pg_attribute a
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [oid],
    )
    return rows.map((row) => ({
      name: String(row.name),
      type: String(row.type),
      notNull: row.not_null === true,
      identity: String(row.identity ?? ''),
      defaultExpr:
        row.default_expr === null || row.default_expr === undefined ? null : String(row.default_expr),
    }))
  }

  /** Primary key, unique, foreign key and check constraints (not NOT NULL, which is a column's). */
  async constraints(oid: unknown): Promise<CatalogConstraint[]> {
    const { rows } = await this.#db.query(
      `SELECT conname AS name, contype::text AS type, pg_catalog.pg_get_constraintdef(oid) AS definition,
              convalidated AS validated
         FROM pg_catalog.pg_constraint
        WHERE conrelid = $1 AND contype IN ('p', 'u', 'f', 'c')
        ORDER BY conname`,
      [oid],
    )
    return rows.map((row) => ({
      name: String(row.name),
      type: String(row.type),
      definition: String(row.definition),
      validated: row.validated === true,
    }))
  }

  async indexesOf(tableOid: unknown): Promise<CatalogIndex[]> {
    return this.#indexes('i.indrelid = $1', [tableOid])
  }

  async index(schema: string | undefined, name: string): Promise<CatalogIndex | undefined> {
    const found = await this.#indexes('n.nspname = COALESCE($1, current_schema()) AND c.relname = $2', [
      schema ?? null,
      name,
    ])
    return found[0]
  }

  async #indexes(where: string, values: readonly unknown[]): Promise<CatalogIndex[]> {
    const { rows } = await this.#db.query(
      `SELECT c.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS definition, i.indisvalid AS valid,
              t.relname AS table_name, n.nspname AS schema
         FROM pg_catalog.pg_index i
         JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
         JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE ${where}
        ORDER BY c.relname`,
      values,
    )
    return rows.map((row) => ({
      name: String(row.name),
      definition: String(row.definition),
      valid: row.valid === true,
      table: String(row.table_name),
      schema: String(row.schema),
    }))
  }

  async schemaExists(name: string): Promise<boolean> {
    const { rows } = await this.#db.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [name])
    return rows.length > 0
  }

  async typeExists(schema: string | undefined, name: string): Promise<boolean> {
    const { rows } = await this.#db.query(
      `SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = COALESCE($1, current_schema()) AND t.typname = $2`,
      [schema ?? null, name],
    )
    return rows.length > 0
  }

  /**
   * The newest DSQL job on an object (an index build, by the index's name), or undefined:
   * none, finished long ago (DSQL keeps finished jobs for a while only), or no `sys.jobs` at all
   * (plain PostgreSQL).
   */
  async latestJob(schema: string, objectName: string): Promise<CatalogJob | undefined> {
    try {
      // DSQL names the object `schema.name`; accept the bare name too.
      const { rows } = await this.#db.query(
        `SELECT job_id, status, details FROM sys.jobs WHERE object_name IN ($1, $2) ORDER BY start_time DESC LIMIT 1`,
        [`${schema}.${objectName}`, objectName],
      )
      const row = rows[0]
      if (row === undefined) return undefined
      return {
        jobId: String(row.job_id),
        status: String(row.status).toLowerCase(),
        details: row.details === null || row.details === undefined ? undefined : String(row.details),
      }
    } catch (error) {
      // 42P01 / 3F000: no sys.jobs here, so no job to wait for.
      const state = sqlStateOf(error)
      if (state === '42P01' || state === '3F000') return undefined
      throw error
    }
  }
}
