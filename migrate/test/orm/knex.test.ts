import { join } from 'node:path'
import knexFactory, { type Knex } from 'knex'
import { beforeAll, describe, expect, it } from 'vitest'
import { captureKnex, readKnexMigrations } from '../../src/adapters/knex.js'
import type { OrmMigration } from '../../src/adapters/orm-migration.js'
import { startMigrateTestDsql } from '../support/emulator.js'
import { catalogSnapshot } from './support/catalog.js'
import { ECOMMERCE_TABLES, expectEcommerceSchema } from './support/ecommerce.js'
import { applyThroughMigrator, pipelineReady, transformErrors } from './support/pipeline.js'
import { itSurvivesKillsAndConcurrentRunners } from './support/resilience.js'

// Knex's own migration files (fixtures/knex/migrations), read by Knex's own folder reader; each
// `up(knex)` runs against a Knex that records the SQL its schema builder would send. Knex never
// connects and `knex_migrations` is never made: pg-dsql-migrate's journal takes its place.

const directory = join(import.meta.dirname, 'fixtures/knex/migrations')
let migrations: OrmMigration[]

beforeAll(async () => {
  migrations = await readKnexMigrations({ directory })
})

describe('readKnexMigrations', () => {
  it('captures each migration’s schema-builder SQL in Knex’s order, ids are the file names', () => {
    expect(migrations.map((m) => m.id)).toEqual([
      '20260301120000_create_ecommerce.js',
      '20260315090000_phone_and_product_fk.js',
    ])
    expect(migrations[0]?.sql).toContain('create table "products" ("id" serial primary key')
    expect(migrations[1]?.sql).toContain('alter table "products" drop column "description";')
  })

  it('takes a migration source of its own, and names the migration whose up() failed', async () => {
    const source: Knex.MigrationSource<string> = {
      getMigrations: async () => ['b_second', 'a_first'],
      getMigrationName: (name) => name,
      getMigration: async (name) => ({
        up: async (knex: Knex) => {
          if (name === 'b_second') throw new Error('boom')
          await knex.schema.createTable('t', (table) => table.uuid('id').primary())
        },
        down: async () => undefined,
      }),
    }
    await expect(readKnexMigrations({ migrationSource: source })).rejects.toMatchObject({
      code: 'ERR_DSQL_MIGRATE_SOURCE',
      message: expect.stringContaining('b_second'),
    })
  })

  it('keeps bind values as literals and leaves out transactions and reads', async () => {
    const statements = await captureKnex({}, async (knex) => {
      await knex.transaction(async (trx) => {
        if (!(await trx.schema.hasTable('settings'))) {
          await trx.schema.createTable('settings', (table) => table.text('key').primary())
        }
        await trx('settings').insert({ key: "it's" })
      })
    })
    expect(statements).toEqual([
      'create table "settings" ("key" text, constraint "settings_pkey" primary key ("key"))',
      `insert into "settings" ("key") values ('it''s')`,
    ])
  })
})

describe.runIf(pipelineReady)('Knex migrations through pg-dsql-migrate on the emulator', () => {
  it('has a DSQL form for every statement Knex’s schema builder wrote', async () => {
    expect(await transformErrors(migrations)).toEqual([])
  })

  it('applies the first migration from empty, then the altering one, and Knex uses the tables', async () => {
    const dsql = await startMigrateTestDsql()
    try {
      const pool = dsql.pool()
      await applyThroughMigrator({ pool, migrations: migrations.slice(0, 1) })
      expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), 'created')
      await applyThroughMigrator({ pool, migrations })
      const snapshot = await catalogSnapshot(pool)
      expectEcommerceSchema(snapshot, 'altered')
      expect(Object.keys(snapshot.tables)).not.toContain('knex_migrations')

      const knex = knexFactory({ client: 'pg', connectionPool: pool })
      const [customer] = await knex('customers')
        .insert({ email: 'ada@example.com', name: 'Ada', phone: '+1 555 0100' })
        .returning('id')
      const [product] = await knex('products')
        .insert({ sku: 'SKU-1', name: 'Lamp', price_cents: 2500 })
        .returning('id')
      const [order] = await knex('orders').insert({ customer_id: customer.id }).returning('id')
      await knex('order_items').insert({ order_id: order.id, product_id: product.id, quantity: 2 })
      const lines = await knex('order_items')
        .join('orders', 'orders.id', 'order_items.order_id')
        .join('customers', 'customers.id', 'orders.customer_id')
        .join('products', 'products.id', 'order_items.product_id')
        .select('customers.email', 'products.sku', 'order_items.quantity')
      expect(lines).toEqual([{ email: 'ada@example.com', sku: 'SKU-1', quantity: 2 }])
      await expect(
        knex('order_items').insert({ order_id: order.id, product_id: 999_999, quantity: 1 }),
      ).rejects.toMatchObject({ code: '23503' })
      await knex.destroy()
    } finally {
      await dsql.stop()
    }
  })

  itSurvivesKillsAndConcurrentRunners(() => migrations)
})
