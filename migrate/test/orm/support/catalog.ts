/** The subset of a pool the catalog reads need: any pg.Pool, DsqlPool included. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<{ rows: R[] }>
}

export interface ColumnShape {
  readonly type: string
  readonly nullable: boolean
}

export interface IndexShape {
  readonly table: string
  readonly name: string
  readonly columns: readonly string[]
  readonly unique: boolean
  readonly primary: boolean
  /** false while an async index is still being built (or when its build failed). */
  readonly valid: boolean
}

export interface ConstraintShape {
  readonly table: string
  readonly name: string
  /** `p` primary key, `u` unique, `f` foreign key, `c` check. */
  readonly type: 'p' | 'u' | 'f' | 'c'
  readonly columns: readonly string[]
  /** The referenced table of a foreign key. */
  readonly references?: string
  readonly referencedColumns?: readonly string[]
  /** false for a constraint added `NOT VALID` and not validated since. */
  readonly validated: boolean
}

/** What a schema looks like in PostgreSQL's catalog: enough to compare two runs and to check a shape. */
export interface CatalogSnapshot {
  readonly tables: Readonly<Record<string, Readonly<Record<string, ColumnShape>>>>
  readonly indexes: readonly IndexShape[]
  readonly constraints: readonly ConstraintShape[]
}

// Column lists come back as comma-joined names rather than arrays: `name[]` has no parser in pg,
// and the catalog queries stay plain SELECTs the emulator relays as DSQL would answer them.
const COLUMNS = `
  SELECT table_name, column_name, data_type, is_nullable
  FROM information_schema.columns
  WHERE table_schema = 'public'
  ORDER BY table_name, ordinal_position`

const INDEXES = `
  SELECT t.relname AS table_name, i.relname AS index_name, x.indisunique AS is_unique,
         x.indisprimary AS is_primary, x.indisvalid AS is_valid,
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
            FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS column_names
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  WHERE n.nspname = 'public'
  ORDER BY t.relname, i.relname`

const CONSTRAINTS = `
  SELECT t.relname AS table_name, c.conname AS constraint_name, c.contype AS constraint_type,
         c.convalidated AS is_validated, f.relname AS referenced_table,
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
            FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS column_names,
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord)
            FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS referenced_columns
  FROM pg_constraint c
  JOIN pg_class t ON t.oid = c.conrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  LEFT JOIN pg_class f ON f.oid = c.confrelid
  WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f', 'c')
  ORDER BY t.relname, c.conname`

const split = (names: string | null): string[] => (names === null ? [] : names.split(','))

/**
 * Reads the `public` schema's tables, columns, indexes and constraints. `only` keeps the named
 * tables (and their indexes and constraints), to leave the migrator's own journal out.
 */
export async function catalogSnapshot(pool: Queryable, only?: readonly string[]): Promise<CatalogSnapshot> {
  const keep = (table: string) => only === undefined || only.includes(table)
  const columns = await pool.query<{
    table_name: string
    column_name: string
    data_type: string
    is_nullable: string
  }>(COLUMNS)
  const tables: Record<string, Record<string, ColumnShape>> = {}
  for (const row of columns.rows.filter((r) => keep(r.table_name))) {
    tables[row.table_name] ??= {}
    ;(tables[row.table_name] as Record<string, ColumnShape>)[row.column_name] = {
      type: row.data_type,
      nullable: row.is_nullable === 'YES',
    }
  }
  const indexes = await pool.query<{
    table_name: string
    index_name: string
    is_unique: boolean
    is_primary: boolean
    is_valid: boolean
    column_names: string | null
  }>(INDEXES)
  const constraints = await pool.query<{
    table_name: string
    constraint_name: string
    constraint_type: ConstraintShape['type']
    is_validated: boolean
    referenced_table: string | null
    column_names: string | null
    referenced_columns: string | null
  }>(CONSTRAINTS)
  return {
    tables,
    indexes: indexes.rows
      .filter((r) => keep(r.table_name))
      .map((r) => ({
        table: r.table_name,
        name: r.index_name,
        columns: split(r.column_names),
        unique: r.is_unique,
        primary: r.is_primary,
        valid: r.is_valid,
      })),
    constraints: constraints.rows
      .filter((r) => keep(r.table_name))
      .map((r) => ({
        table: r.table_name,
        name: r.constraint_name,
        type: r.constraint_type,
        columns: split(r.column_names),
        ...(r.referenced_table === null
          ? {}
          : { references: r.referenced_table, referencedColumns: split(r.referenced_columns) }),
        validated: r.is_validated,
      })),
  }
}
