import { promises as fs } from 'node:fs'
import path, { join } from 'node:path'
import type { Kysely as KyselyType } from 'kysely'
import { beforeAll, describe, expect, it } from 'vitest'
import { captureKysely, readKyselyMigrations } from '../../src/adapters/kysely.js'
import type { OrmMigration } from '../../src/adapters/orm-migration.js'
import { startMigrateTestDsql } from '../support/emulator.js'
import { catalogSnapshot } from './support/catalog.js'
import { ECOMMERCE_TABLES, expectEcommerceSchema } from './support/ecommerce.js'
import { applyThroughMigrator, pipelineReady, transformErrors } from './support/pipeline.js'
import { itSurvivesKillsAndConcurrentRunners } from './support/resilience.js'

// Kysely's own FileMigrationProvider reads fixtures/kysely/migrations; each `up(db)` runs against a
// Kysely whose pool records the compiled SQL. Kysely's Migrator (and its kysely_migration tables)
// never runs: pg-dsql-migrate's journal takes its place. Kysely 0.29 needs Node 22, as in the
// driver's Kysely tests.

const nodeMajor = Number(process.versions.node.split('.')[0])
const migrationFolder = join(import.meta.dirname, 'fixtures/kysely/migrations')

describe.runIf(nodeMajor >= 22)('Kysely', () => {
  let migrations: OrmMigration[]

  beforeAll(async () => {
    const { FileMigrationProvider } = await import('kysely/migration')
    migrations = await readKyselyMigrations({
      provider: new FileMigrationProvider({ fs, path, migrationFolder }),
    })
  })

  describe('readKyselyMigrations', () => {
    it('captures each migration’s compiled SQL in Kysely’s order, ids are the migration names', () => {
      expect(migrations.map((m) => m.id)).toEqual([
        '2026_03_01_create_ecommerce',
        '2026_03_15_phone_and_product_fk',
      ])
      expect(migrations[0]?.sql).toContain(
        'create index "orders_customer_id_index" on "orders" ("customer_id");',
      )
      expect(migrations[1]?.sql).toContain('alter table "products" drop column "description";')
    })

    it('sorts with the Migrator’s nameComparator when given one', async () => {
      const provider = {
        getMigrations: async () => ({
          a: {
            up: (db: KyselyType<unknown>) => db.schema.createTable('a').addColumn('id', 'uuid').execute(),
          },
          b: {
            up: (db: KyselyType<unknown>) => db.schema.createTable('b').addColumn('id', 'uuid').execute(),
          },
        }),
      }
      const reversed = await readKyselyMigrations({ provider, nameComparator: (x, y) => y.localeCompare(x) })
      expect(reversed.map((m) => m.id)).toEqual(['b', 'a'])
    })

    it('keeps parameters as literals and leaves out transactions and reads', async () => {
      const statements = await captureKysely(async (db) => {
        await db.transaction().execute(async (trx) => {
          await trx.selectFrom('settings').selectAll().execute()
          await trx.insertInto('settings').values({ key: "it's", value: 3 }).execute()
        })
      })
      expect(statements).toEqual([`insert into "settings" ("key", "value") values ('it''s', 3)`])
    })
  })

  describe.runIf(pipelineReady)('through pg-dsql-migrate on the emulator', () => {
    it('has a DSQL form for every statement Kysely compiled', async () => {
      expect(await transformErrors(migrations)).toEqual([])
    })

    it('applies the first migration from empty, then the altering one, and Kysely uses the tables', async () => {
      const { Kysely, PostgresDialect } = await import('kysely')
      const dsql = await startMigrateTestDsql()
      try {
        const pool = dsql.pool()
        await applyThroughMigrator({ pool, migrations: migrations.slice(0, 1) })
        expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), 'created')
        await applyThroughMigrator({ pool, migrations })
        const snapshot = await catalogSnapshot(pool)
        expectEcommerceSchema(snapshot, 'altered')
        expect(Object.keys(snapshot.tables)).not.toContain('kysely_migration')

        // biome-ignore lint/suspicious/noExplicitAny: the test's tables are not typed for Kysely.
        const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: dsql.pool() }) })
        const customer = await db
          .insertInto('customers')
          .values({ email: 'ada@example.com', name: 'Ada', phone: '+1 555 0100' })
          .returning('id')
          .executeTakeFirstOrThrow()
        const product = await db
          .insertInto('products')
          .values({ sku: 'SKU-1', name: 'Lamp', price_cents: 2500 })
          .returning('id')
          .executeTakeFirstOrThrow()
        const order = await db
          .insertInto('orders')
          .values({ customer_id: customer.id })
          .returning('id')
          .executeTakeFirstOrThrow()
        await db
          .insertInto('order_items')
          .values({ order_id: order.id, product_id: product.id, quantity: 2 })
          .execute()
        const lines = await db
          .selectFrom('order_items')
          .innerJoin('orders', 'orders.id', 'order_items.order_id')
          .innerJoin('customers', 'customers.id', 'orders.customer_id')
          .innerJoin('products', 'products.id', 'order_items.product_id')
          .select(['customers.email', 'products.sku', 'order_items.quantity'])
          .execute()
        expect(lines).toEqual([{ email: 'ada@example.com', sku: 'SKU-1', quantity: 2 }])
        await db.destroy()
      } finally {
        await dsql.stop()
      }
    })

    itSurvivesKillsAndConcurrentRunners(() => migrations)
  })
})
