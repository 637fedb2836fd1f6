import { createRequire } from 'node:module'
import knexFactory, { type Knex } from 'knex'
import { joinStatements, MigrationSourceError, type OrmMigration } from './orm-migration.js'
import { recordingPool } from './recording-pool.js'

export { MigrationSourceError, type OrmMigration } from './orm-migration.js'

export interface KnexMigrationsOptions {
  /** Your own migration source (Knex's `migrations.migrationSource`). */
  readonly migrationSource?: Knex.MigrationSource<unknown>
  /** Or the folders `knex migrate` reads (Knex's `migrations.directory`), read by Knex's own reader. */
  readonly directory?: string | readonly string[]
  /** File extensions to load, as in Knex's config; Knex's default list when left out. */
  readonly loadExtensions?: readonly string[]
  /** As in Knex's config: sort each folder on its own instead of all files together. */
  readonly sortDirsSeparately?: boolean
  /** Knex options for the capturing instance (`searchPath`, `wrapIdentifier` …); it never connects. */
  readonly config?: Omit<Knex.Config, 'client' | 'connection' | 'connectionPool'>
}

// Knex's own folder reader (what `knex migrate:latest` lists) and default extensions, so the
// order, the extension filter and the file loading are Knex's. Knex has no exports map, so the deep path is stable API
// in practice; its types are not published.
interface FsMigrationsClass {
  new (
    directory: string | readonly string[],
    sortDirsSeparately: boolean | undefined,
    loadExtensions: readonly string[] | undefined,
  ): Knex.MigrationSource<unknown>
}

/**
 * Knex migrations as migrations for `apply`: each migration's `up(knex)` runs against a Knex that
 * records the SQL its schema builder and queries would send, instead of connecting. The id is
 * Knex's migration name (the file name), so the journal reads like `knex_migrations`.
 *
 * Knex's own `migrate:latest` cannot run on DSQL: `knex_migrations` is keyed by `increments()`
 * (serial), and each migration runs in one transaction with its journal insert. pg-dsql-migrate's
 * journal replaces `knex_migrations`; `knex migrate:make` still writes the files.
 *
 * Reads inside `up` (`hasTable`, `select`) see no rows while capturing: a migration that branches
 * on the database's contents must be written without the branch.
 *
 * @example
 *   await apply({ pool, migrations: await readKnexMigrations({ directory: './migrations' }) })
 */
export async function readKnexMigrations(options: KnexMigrationsOptions): Promise<OrmMigration[]> {
  const source = options.migrationSource ?? fsMigrations(options)
  const loadExtensions = options.loadExtensions ?? knexInternals().DEFAULT_LOAD_EXTENSIONS
  const listed = await source.getMigrations(loadExtensions)
  const migrations: OrmMigration[] = []
  for (const listing of listed) {
    const id = source.getMigrationName(listing)
    const migration = await source.getMigration(listing)
    const statements = await captureKnex(options.config ?? {}, async (knex) => {
      await migration.up(knex)
    }).catch((error: unknown) => {
      throw new MigrationSourceError(
        `Knex migration ${id} failed while its SQL was captured: ${String(error)}`,
        {
          cause: error,
        },
      )
    })
    migrations.push({ id, sql: joinStatements(statements) })
  }
  return migrations
}

/**
 * The SQL `work` would send through Knex (schema builder and queries), recorded without a database.
 * For SQL outside the migration files: `captureKnex({}, (knex) => knex.schema.createTable(…))`.
 */
export async function captureKnex(
  config: Omit<Knex.Config, 'client' | 'connection' | 'connectionPool'>,
  work: (knex: Knex) => Promise<unknown>,
): Promise<string[]> {
  const { pool, statements } = recordingPool()
  // `version` spares Knex its `select version()` on first use.
  const knex = knexFactory({ version: '16.0', ...config, client: 'pg', connectionPool: pool } as Knex.Config)
  try {
    await work(knex)
  } finally {
    await knex.destroy()
  }
  return statements
}

function knexInternals(): { FsMigrations: FsMigrationsClass; DEFAULT_LOAD_EXTENSIONS: readonly string[] } {
  const require = createRequire(import.meta.url)
  return {
    ...(require('knex/lib/migrations/migrate/sources/fs-migrations.js') as {
      FsMigrations: FsMigrationsClass
    }),
    ...(require('knex/lib/migrations/common/MigrationsLoader.js') as {
      DEFAULT_LOAD_EXTENSIONS: readonly string[]
    }),
  }
}

function fsMigrations(options: KnexMigrationsOptions): Knex.MigrationSource<unknown> {
  if (options.directory === undefined) {
    throw new MigrationSourceError(
      'readKnexMigrations needs `directory` (the folders `knex migrate` reads) or `migrationSource`.',
    )
  }
  const { FsMigrations } = knexInternals()
  return new FsMigrations(options.directory, options.sortDirsSeparately, options.loadExtensions)
}
