import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { QueryInterface, Sequelize } from 'sequelize'
import { joinStatements, MigrationSourceError, type OrmMigration } from './orm-migration.js'
import { captureSequelize } from './sequelize-capture.js'

/** A sequelize-cli (or umzug) migration: `up(queryInterface, Sequelize)`. */
export interface SequelizeMigration {
  readonly name: string
  up(queryInterface: QueryInterface, sequelizeClass: typeof Sequelize): Promise<unknown>
}

export interface SequelizeMigrationsOptions {
  /** The Sequelize whose queryInterface the migrations get; reads go through it to the database. */
  readonly sequelize: Sequelize
  /** The migrations, in order. */
  readonly migrations?: readonly SequelizeMigration[]
  /** Or sequelize-cli's folder (`migrations/`): `.js`, `.cjs` and `.mjs` files in name order. */
  readonly directory?: string
}

const MIGRATION_FILE = /\.(?:c|m)?js$/

/**
 * sequelize-cli migrations as migrations for `apply`: each `up(queryInterface, Sequelize)` runs with
 * `sequelize.query` recording every change instead of sending it (reads still reach the database).
 * Ids are the file names, as sequelize-cli keeps them in `SequelizeMeta`, which pg-dsql-migrate's
 * journal replaces. Migrations are captured before any is applied, so a read in one does not see
 * what an earlier one makes.
 *
 * @example
 *   await apply({ pool, migrations: await readSequelizeMigrations({ sequelize, directory: './migrations' }) })
 */
export async function readSequelizeMigrations(options: SequelizeMigrationsOptions): Promise<OrmMigration[]> {
  const listed = options.migrations ?? (await fromDirectory(options.directory))
  const sequelizeClass = options.sequelize.constructor as typeof Sequelize
  const queryInterface = options.sequelize.getQueryInterface()
  const migrations: OrmMigration[] = []
  for (const migration of listed) {
    const statements = await captureSequelize(options.sequelize, async () => {
      await migration.up(queryInterface, sequelizeClass)
    }).catch((error: unknown) => {
      throw new MigrationSourceError(
        `Sequelize migration ${migration.name} failed while its SQL was captured: ${String(error)}`,
        { cause: error },
      )
    })
    migrations.push({ id: migration.name, sql: joinStatements(statements) })
  }
  return migrations
}

async function fromDirectory(directory: string | undefined): Promise<SequelizeMigration[]> {
  if (directory === undefined) {
    throw new MigrationSourceError(
      "readSequelizeMigrations needs `migrations` or `directory` (sequelize-cli's migrations folder).",
    )
  }
  const files = (await readdir(directory)).filter((file) => MIGRATION_FILE.test(file)).sort()
  return Promise.all(
    files.map(async (file) => {
      const loaded = (await import(pathToFileURL(resolve(join(directory, file))).href)) as {
        default?: Partial<SequelizeMigration>
        up?: SequelizeMigration['up']
      }
      const up = loaded.up ?? loaded.default?.up
      if (typeof up !== 'function') {
        throw new MigrationSourceError(`${join(directory, file)} exports no up(queryInterface, Sequelize).`)
      }
      return { name: file, up }
    }),
  )
}
