import { Kysely, PostgresDialect } from 'kysely'
import { joinStatements, MigrationSourceError, type OrmMigration } from './orm-migration.js'
import { recordingPool } from './recording-pool.js'

export { MigrationSourceError, type OrmMigration } from './orm-migration.js'

/** A Kysely migration: what each module of the migration folder exports. */
export interface KyselyMigration {
  // biome-ignore lint/suspicious/noExplicitAny: migrations are written against Kysely<any>, as Kysely's own type says.
  up(db: Kysely<any>): Promise<void>
}

/**
 * Kysely's `MigrationProvider` (`kysely/migration` in 0.29, `kysely` before), e.g.
 * `FileMigrationProvider`.
 */
export interface KyselyMigrationProvider {
  getMigrations(): Promise<Record<string, KyselyMigration>>
}

export interface KyselyMigrationsOptions {
  /** Where Kysely's Migrator gets its migrations: `new FileMigrationProvider({ fs, path, migrationFolder })` or your own. */
  readonly provider: KyselyMigrationProvider
  /** The Migrator's `nameComparator`, if you gave it one; `localeCompare` by default, as Kysely's. */
  readonly nameComparator?: (name0: string, name1: string) => number
}

/**
 * Kysely migrations as migrations for `apply`: each migration's `up(db)` runs against a Kysely
 * whose pool records the compiled SQL instead of connecting. Names come in Kysely's order and
 * are the ids, as in `kysely_migration`.
 *
 * Kysely's own Migrator cannot run on DSQL: it runs a migration's statements in one transaction
 * (DSQL takes one DDL statement per transaction) and creates indexes synchronously.
 * pg-dsql-migrate's journal replaces `kysely_migration` and `kysely_migration_lock`.
 *
 * Reads inside `up` see no rows while capturing: a migration that branches on the database's
 * contents must be written without the branch.
 *
 * @example
 *   const provider = new FileMigrationProvider({ fs, path, migrationFolder: '/app/migrations' })
 *   await apply({ pool, migrations: await readKyselyMigrations({ provider }) })
 */
export async function readKyselyMigrations(options: KyselyMigrationsOptions): Promise<OrmMigration[]> {
  const byName = await options.provider.getMigrations()
  const compare = options.nameComparator ?? ((a: string, b: string) => a.localeCompare(b))
  const names = Object.keys(byName).sort(compare)
  const migrations: OrmMigration[] = []
  for (const name of names) {
    const migration = byName[name] as KyselyMigration
    const statements = await captureKysely((db) => migration.up(db)).catch((error: unknown) => {
      throw new MigrationSourceError(
        `Kysely migration ${name} failed while its SQL was captured: ${String(error)}`,
        {
          cause: error,
        },
      )
    })
    migrations.push({ id: name, sql: joinStatements(statements) })
  }
  return migrations
}

/**
 * The SQL `work` would send through Kysely, recorded without a database. For schema changes written
 * outside migration files: `captureKysely((db) => db.schema.createTable('t')…execute())`.
 */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's own Migration type takes Kysely<any>.
export async function captureKysely(work: (db: Kysely<any>) => Promise<unknown>): Promise<string[]> {
  const { pool, statements } = recordingPool()
  // biome-ignore lint/suspicious/noExplicitAny: as above: migrations are written against Kysely<any>.
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: pool as never }) })
  try {
    await work(db)
  } finally {
    await db.destroy()
  }
  return statements
}
