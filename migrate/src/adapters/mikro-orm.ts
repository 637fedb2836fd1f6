import { contentId, type OrmMigration } from './orm-migration.js'

export { MigrationSourceError, type OrmMigration } from './orm-migration.js'

/** The part of MikroORM's SchemaGenerator (`orm.schema` in v7, `orm.getSchemaGenerator()` in v6) used here. */
export interface MikroOrmSchemaGenerator {
  getCreateSchemaSQL(options?: { wrap?: boolean; schema?: string }): Promise<string>
  getUpdateSchemaSQL(options?: {
    wrap?: boolean
    safe?: boolean
    dropTables?: boolean
    schema?: string
  }): Promise<string>
}

export interface MikroOrmSchemaOptions {
  /**
   * `create`: the whole schema, as `schema:create` would run it on an empty database.
   * `update`: what `schema:update` would run to bring the live database to the entities.
   * @default 'update'
   */
  readonly mode?: 'create' | 'update'
  /** `update` only: leave out drops of columns and tables, as `schema:update --safe`. */
  readonly safe?: boolean
  /** `update` only: also drop tables no entity maps. @default false */
  readonly dropTables?: boolean
  /** The schema to generate for (MikroORM's `schema` option). */
  readonly schema?: string
  /** The migration's id; by default `mikro-orm-<mode>-` and a hash of its SQL. */
  readonly id?: string
}

/**
 * What MikroORM's SchemaGenerator would run (`getCreateSchemaSQL` or `getUpdateSchemaSQL`, the SQL
 * of `schema:create` and `schema:update`), as a migration for `apply`, or none when there is
 * nothing to change. It is asked without its wrapper (`wrap: false`): the wrapper's
 * `set session_replication_role` is not something DSQL lets a session set.
 *
 * MikroORM's own `schema.create()` and `schema.update()` cannot run on DSQL: they send the
 * statements as one script (several DDL statements in one transaction, indexes made at once).
 * With `@mikro-orm/migrations`, its `mikro_orm_migrations` table is keyed by SERIAL.
 *
 * @example
 *   await apply({ pool, migrations: await mikroOrmSchemaMigration(orm.schema, { mode: 'update' }) })
 */
export async function mikroOrmSchemaMigration(
  generator: MikroOrmSchemaGenerator,
  options: MikroOrmSchemaOptions = {},
): Promise<OrmMigration[]> {
  const mode = options.mode ?? 'update'
  const schema = options.schema === undefined ? {} : { schema: options.schema }
  const sql =
    mode === 'create'
      ? await generator.getCreateSchemaSQL({ wrap: false, ...schema })
      : await generator.getUpdateSchemaSQL({
          wrap: false,
          safe: options.safe ?? false,
          dropTables: options.dropTables ?? false,
          ...schema,
        })
  if (sql.trim().length === 0) return []
  return [{ id: options.id ?? contentId(`mikro-orm-${mode}`, sql), sql }]
}
