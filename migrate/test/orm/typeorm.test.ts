import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createDsqlPg } from 'pg-dsql'
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm'
import { MigrationGenerateCommand } from 'typeorm/commands/MigrationGenerateCommand.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OrmMigration } from '../../src/adapters/orm-migration.js'
import { captureTypeorm, readTypeormMigrations, typeormSchemaLog } from '../../src/adapters/typeorm.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../support/emulator.js'
import { ecommerceEntities } from './fixtures/typeorm/ecommerce-entities.js'
import { type CatalogSnapshot, catalogSnapshot } from './support/catalog.js'
import { dsqlOptions } from './support/dsql-options.js'
import { ECOMMERCE_TABLES, type EcommerceStage, expectEcommerceSchema } from './support/ecommerce.js'
import { applyThroughMigrator, pipelineReady, transformErrors } from './support/pipeline.js'
import { itSurvivesKillsAndConcurrentRunners } from './support/resilience.js'
import { workFolder } from './support/work-folder.js'

// The migrations are written by TypeORM's own `migration:generate` command (its handler, run
// in-process on a DataSource file that hands over the test's DataSource), against the emulator:
// first from an empty database, then after the first is applied, from the altered entities.
// `schema:log`'s SQL (createSchemaBuilder().log()) is checked to match and, once applied, to be
// empty. TypeORM's `migrations` table (SERIAL) and migration:run are never used.

let folder: Awaited<ReturnType<typeof workFolder>>

beforeAll(async () => {
  folder = await workFolder('typeorm')
})

afterAll(async () => {
  await folder?.remove()
})

function dataSourceFor(dsql: MigrateTestDsql, stage: EcommerceStage): DataSource {
  return new DataSource({
    type: 'postgres',
    driver: createDsqlPg(dsqlOptions(dsql)),
    // DSQL has no extensions: TypeORM must not try to create uuid-ossp.
    installExtensions: false,
    entities: ecommerceEntities(stage),
  } as DataSourceOptions)
}

/** `typeorm migration:generate <folder>/<name> -d <file> -t <timestamp>`, in-process; resolves the class. */
async function migrationGenerate(
  dataSource: DataSource,
  name: string,
  timestamp: number,
): Promise<new () => MigrationInterface> {
  const handOver = join(folder.path, `data-source-${timestamp}.mjs`)
  ;(globalThis as { typeormTestDataSource?: DataSource }).typeormTestDataSource = dataSource
  await writeFile(handOver, 'export default globalThis.typeormTestDataSource\n')
  await new MigrationGenerateCommand().handler({
    $0: 'typeorm',
    _: [],
    path: join(folder.path, name),
    dataSource: handOver,
    timestamp,
    pretty: false,
    outputJs: false,
    esm: false,
    dryrun: false,
    check: false,
    exitProcess: false,
  } as never)
  const file = (await readdir(folder.path)).find((f) => f.startsWith(`${timestamp}-`)) as string
  const module = (await import(join(folder.path, file))) as Record<string, new () => MigrationInterface>
  return Object.values(module)[0] as new () => MigrationInterface
}

describe('captureTypeorm', () => {
  it('records what a migration’s query runner is sent, bind values as literals, transactions left out', async () => {
    const statements = await captureTypeorm(new DataSource({ type: 'postgres' }), async (runner) => {
      await runner.startTransaction()
      await runner.query('INSERT INTO "settings"("key") VALUES ($1)', ["it's"])
      await runner.commitTransaction()
    })
    expect(statements).toEqual([`INSERT INTO "settings"("key") VALUES ('it''s')`])
  })

  it('refuses a migration whose name does not end in a 13-digit timestamp, as TypeORM does', async () => {
    class AddThings implements MigrationInterface {
      async up() {}
      async down() {}
    }
    await expect(readTypeormMigrations({ migrations: [AddThings] })).rejects.toMatchObject({
      code: 'ERR_DSQL_MIGRATE_SOURCE',
      message: expect.stringContaining('AddThings'),
    })
  })
})

describe('readTypeormMigrations', () => {
  it('captures a class written by migration:generate to the SQL schema:log prints for the same database', async () => {
    const dsql = await startMigrateTestDsql()
    try {
      const logged = await withInitialized(dataSourceFor(dsql, 'created'), (ds) => typeormSchemaLog(ds))
      const Init = await migrationGenerate(dataSourceFor(dsql, 'created'), 'first', 1_772_000_000_000)
      const captured = await readTypeormMigrations({ migrations: [Init] })
      expect(captured).toEqual([{ id: 'First1772000000000', sql: logged[0]?.sql }])
      expect(logged[0]?.id).toMatch(/^typeorm-schema-[0-9a-f]{12}$/)
      expect(captured[0]?.sql).toMatch(/CREATE TABLE "customers" .*DEFAULT uuid_generate_v4\(\)/)
    } finally {
      await dsql.stop()
    }
  })
})

describe.runIf(pipelineReady)('TypeORM migrations through pg-dsql-migrate on the emulator', () => {
  // Generating the altering migration needs the first one applied: both are made (and applied)
  // once, on one emulator, and each test checks one outcome.
  let dsql: MigrateTestDsql
  let migrations: OrmMigration[]
  let created: CatalogSnapshot
  let loggedBeforeAlter: OrmMigration[]
  let classes: (new () => MigrationInterface)[]

  beforeAll(async () => {
    dsql = await startMigrateTestDsql()
    const pool = dsql.pool()
    const Init = await migrationGenerate(dataSourceFor(dsql, 'created'), 'init', 1_772_366_400_000)
    await applyThroughMigrator({ pool, migrations: await readTypeormMigrations({ migrations: [Init] }) })
    created = await catalogSnapshot(pool, ECOMMERCE_TABLES)
    loggedBeforeAlter = await withInitialized(dataSourceFor(dsql, 'altered'), (ds) => typeormSchemaLog(ds))
    const Alter = await migrationGenerate(
      dataSourceFor(dsql, 'altered'),
      'phone-and-product-fk',
      1_773_561_600_000,
    )
    classes = [Alter, Init]
    migrations = await readTypeormMigrations({ migrations: classes })
    await applyThroughMigrator({ pool, migrations })
  })

  afterAll(async () => {
    await dsql?.stop()
  })

  it('captures both generated classes in timestamp order, TypeORM’s defaults and all, each with a DSQL form', async () => {
    expect(migrations.map((m) => m.id)).toEqual(['Init1772366400000', 'PhoneAndProductFk1773561600000'])
    expect(migrations[0]?.sql).toContain('DEFAULT uuid_generate_v4()')
    expect(migrations[1]?.sql).toBe(loggedBeforeAlter[0]?.sql)
    expect(await transformErrors(migrations)).toEqual([])
  })

  it('reads the same migrations from an initialized DataSource’s migrations option', async () => {
    const dataSource = new DataSource({
      ...dataSourceFor(dsql, 'altered').options,
      migrations: classes,
    } as DataSourceOptions)
    expect(await withInitialized(dataSource, (ds) => readTypeormMigrations({ dataSource: ds }))).toEqual(
      migrations,
    )
  })

  it('builds the schema from empty, then alters it, leaving nothing for schema:log', async () => {
    expectEcommerceSchema(created, 'created')
    expectEcommerceSchema(await catalogSnapshot(dsql.pool(), ECOMMERCE_TABLES), 'altered')
    expect(await withInitialized(dataSourceFor(dsql, 'altered'), (ds) => typeormSchemaLog(ds))).toEqual([])
  })

  it('lets TypeORM save and load through the tables with their relations', async () => {
    await withInitialized(dataSourceFor(dsql, 'altered'), async (ds) => {
      const customer = await ds
        .getRepository('Customer')
        .save({ email: 'ada@example.com', name: 'Ada', phone: '1' })
      const product = await ds
        .getRepository('Product')
        .save({ sku: 'SKU-1', name: 'Lamp', price_cents: 2500 })
      const order = await ds.getRepository('Order').save({ customer_id: customer.id })
      await ds.getRepository('OrderItem').save({ order_id: order.id, product_id: product.id, quantity: 2 })
      const items = await ds
        .getRepository('OrderItem')
        .find({ relations: { order: { customer: true }, product: true } })
      expect(items.map((i) => [i.order.customer.email, i.product.sku, i.quantity])).toEqual([
        ['ada@example.com', 'SKU-1', 2],
      ])
    })
  })

  itSurvivesKillsAndConcurrentRunners(() => migrations)
})

async function withInitialized<T>(dataSource: DataSource, use: (ds: DataSource) => Promise<T>): Promise<T> {
  await dataSource.initialize()
  try {
    return await use(dataSource)
  } finally {
    await dataSource.destroy()
  }
}
