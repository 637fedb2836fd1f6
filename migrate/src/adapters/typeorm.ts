import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm'
import { inlineParameters } from './inline-parameters.js'
import {
  capturedMigration,
  isKeptStatement,
  joinStatements,
  MigrationSourceError,
  type OrmMigration,
} from './orm-migration.js'

export { MigrationSourceError, type OrmMigration } from './orm-migration.js'

/** A migration class, as listed in a DataSource's `migrations` option. */
export type TypeormMigrationClass = new () => MigrationInterface

export interface TypeormMigrationsOptions {
  /**
   * The migrations: classes (or instances), as in the DataSource's `migrations` option. Or leave
   * this out and pass an initialized `dataSource`, whose migrations (globs included) TypeORM loaded.
   */
  readonly migrations?: readonly (TypeormMigrationClass | MigrationInterface)[]
  /** The DataSource the query runner comes from; an unconnected Postgres one by default. */
  readonly dataSource?: DataSource
}

/**
 * TypeORM migrations (what `typeorm migration:generate` and `migration:create` write) as migrations
 * for `apply`: each `up(queryRunner)` runs with a Postgres query runner whose `query` records the
 * SQL instead of sending it, so generated `queryRunner.query(…)` calls and the runner's own builders
 * (`createTable`, `createIndex` …) are both captured. Order and ids are TypeORM's: by the 13-digit
 * timestamp that ends each name; the id is the name TypeORM keeps in its `migrations` table.
 *
 * TypeORM's `migration:run` cannot run on DSQL: its `migrations` table is keyed by SERIAL, and it
 * runs all pending migrations in one transaction. pg-dsql-migrate's journal replaces it.
 *
 * Reads inside `up` see no rows while capturing.
 *
 * @example
 *   await apply({ pool, migrations: await readTypeormMigrations({ migrations: [Init1700000000000] }) })
 */
export async function readTypeormMigrations(options: TypeormMigrationsOptions): Promise<OrmMigration[]> {
  const dataSource = options.dataSource ?? new DataSource({ type: 'postgres', installExtensions: false })
  const listed = (options.migrations ?? dataSource.migrations).map((migration) => {
    const instance = typeof migration === 'function' ? new migration() : migration
    const name = instance.name ?? instance.constructor.name
    const timestamp = Number.parseInt(name.slice(-13), 10)
    if (Number.isNaN(timestamp) || timestamp === 0) {
      throw new MigrationSourceError(
        `TypeORM migration ${name} has no 13-digit JavaScript timestamp at the end of its name, which ` +
          'TypeORM orders migrations by. Name it as migration:create does, e.g. AddPhone1700000000000.',
      )
    }
    return { name, timestamp, instance }
  })
  listed.sort((a, b) => a.timestamp - b.timestamp)
  const migrations: OrmMigration[] = []
  for (const { name, instance } of listed) {
    const statements = await captureTypeorm(dataSource, (runner) => instance.up(runner)).catch(
      (error: unknown) => {
        throw new MigrationSourceError(
          `TypeORM migration ${name} failed while its SQL was captured: ${String(error)}`,
          {
            cause: error,
          },
        )
      },
    )
    migrations.push({ id: name, sql: joinStatements(statements) })
  }
  return migrations
}

/**
 * What `typeorm schema:log` prints (and `migration:generate` writes): the statements that bring the
 * database behind `dataSource` (initialized) to its entities, as a migration for `apply`, or none
 * when they match. The id defaults to `typeorm-schema-` and a hash of the SQL.
 *
 * @example
 *   await apply({ pool, migrations: await typeormSchemaLog(dataSource) })
 */
export async function typeormSchemaLog(
  dataSource: DataSource,
  options: { id?: string } = {},
): Promise<OrmMigration[]> {
  const log = await dataSource.driver.createSchemaBuilder().log()
  const statements = log.upQueries.map((query) => inlineParameters(query.query, query.parameters))
  return capturedMigration('typeorm-schema', statements, options.id)
}

/** The SQL `work` sends through a TypeORM query runner, recorded without a database. */
export async function captureTypeorm(
  dataSource: DataSource,
  work: (runner: QueryRunner) => Promise<unknown>,
): Promise<string[]> {
  const statements: string[] = []
  const runner = dataSource.createQueryRunner()
  const record = async (query: string, parameters?: unknown[], structured?: boolean) => {
    if (isKeptStatement(query)) statements.push(inlineParameters(query, parameters))
    return structured === true ? { raw: [], records: [], affected: 0 } : []
  }
  runner.query = record as QueryRunner['query']
  await work(runner)
  return statements
}
