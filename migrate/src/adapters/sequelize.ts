import type { QueryInterface, Sequelize, SyncOptions } from 'sequelize'
import { capturedMigration, type OrmMigration } from './orm-migration.js'
import { captureSequelize, shadow } from './sequelize-capture.js'
import { type CurrentColumn, changesOnly } from './sequelize-no-op-filter.js'

export { MigrationSourceError, type OrmMigration } from './orm-migration.js'
export {
  readSequelizeMigrations,
  type SequelizeMigration,
  type SequelizeMigrationsOptions,
} from './sequelize-migrations.js'

export interface SequelizeSyncOptions {
  /** As `sync({ alter })`: compare existing tables with the models. @default false */
  readonly alter?: boolean
  /** The migration's id; by default `sequelize-sync-` and a hash of its SQL. */
  readonly id?: string
}

/** A table name as Sequelize passes it around. */
type TableName = Parameters<QueryInterface['describeTable']>[0]

/**
 * What `sequelize.sync()` (or `sync({ alter: true })`) would run, as a migration for `apply`, or none
 * when the database matches the models. The sync runs for real, reading the database (tables,
 * columns, indexes) through your Sequelize, while every statement that would change the schema is
 * recorded instead of sent.
 *
 * With `alter`, the statements Sequelize repeats for every unchanged column (`SET NOT NULL`,
 * `DROP DEFAULT`, `TYPE`, dropping and re-adding each foreign key) are left out: DSQL refuses
 * `ALTER COLUMN … TYPE` even to the same type. What remains is what changed; `transform` says what
 * DSQL has no form for (a real type change, NOT NULL on an existing column).
 *
 * While it runs, nothing else should send writes through the same Sequelize: they would be
 * recorded too.
 *
 * @example
 *   await apply({ pool, migrations: await sequelizeSyncMigration(sequelize, { alter: true }) })
 */
export async function sequelizeSyncMigration(
  sequelize: Sequelize,
  options: SequelizeSyncOptions = {},
): Promise<OrmMigration[]> {
  const queryInterface = sequelize.getQueryInterface()
  const changeColumnAsSequelizeDoes = queryInterface.changeColumn.bind(queryInterface)
  const statements = await captureSequelize(sequelize, async (capture) => {
    const changeColumn = async (
      table: TableName,
      column: string,
      attribute: unknown,
      changeOptions?: object,
    ) => {
      const pieces = await capture.separately(() =>
        changeColumnAsSequelizeDoes(table as never, column, attribute as never, changeOptions),
      )
      capture.keep(await changesOnly(pieces, await currentColumn(sequelize, capture.read, table, column)))
    }
    // sync({ alter }) drops a foreign key only to add the same one again in changeColumn, which
    // keeps it when it is missing: the drop is never needed.
    const removeConstraint = async () => undefined
    const restore = shadow(queryInterface, options.alter === true ? { changeColumn, removeConstraint } : {})
    try {
      await sequelize.sync({ alter: options.alter === true, logging: false } as SyncOptions)
    } finally {
      restore()
    }
  })
  return capturedMigration('sequelize-sync', statements, options.id)
}

const COLUMN = `
  SELECT format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
         pg_get_expr(d.adbin, d.adrelid) AS default_expression,
         (SELECT string_agg(f.relname || '.' || fa.attname, ',')
            FROM pg_constraint c
            JOIN pg_class f ON f.oid = c.confrelid
            JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
           WHERE c.conrelid = a.attrelid AND c.contype = 'f' AND c.conkey = ARRAY[a.attnum]) AS refs,
         EXISTS (SELECT 1 FROM pg_index x
                  WHERE x.indrelid = a.attrelid AND x.indisunique AND x.indnatts = 1
                    AND x.indkey[0] = a.attnum) AS is_unique
  FROM pg_attribute a
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attrelid = to_regclass(:table) AND a.attname = :column AND NOT a.attisdropped`

async function currentColumn(
  sequelize: Sequelize,
  read: (sql: string, options?: object) => Promise<unknown>,
  table: TableName,
  column: string,
): Promise<CurrentColumn> {
  const generator = (
    sequelize.getQueryInterface() as unknown as { queryGenerator: { quoteTable(t: TableName): string } }
  ).queryGenerator
  const quoted = generator.quoteTable(table)
  const rows = (await read(COLUMN, {
    type: 'SELECT',
    replacements: { table: quoted, column },
    logging: false,
  })) as {
    type: string
    not_null: boolean
    default_expression: string | null
    refs: string | null
    is_unique: boolean
  }[]
  const row = rows[0]
  return row === undefined
    ? { type: '', notNull: false, defaultExpression: null, references: [], unique: false }
    : {
        type: row.type,
        notNull: row.not_null,
        defaultExpression: row.default_expression,
        references: row.refs === null ? [] : row.refs.split(','),
        unique: row.is_unique,
      }
}
