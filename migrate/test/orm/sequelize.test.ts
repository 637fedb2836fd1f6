import { join } from 'node:path'
import { createDsqlPg } from 'pg-dsql'
import { Sequelize } from 'sequelize'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OrmMigration } from '../../src/adapters/orm-migration.js'
import { readSequelizeMigrations, sequelizeSyncMigration } from '../../src/adapters/sequelize.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../support/emulator.js'
import { defineEcommerce } from './fixtures/sequelize/ecommerce-models.js'
import { type CatalogSnapshot, catalogSnapshot } from './support/catalog.js'
import { dsqlOptions } from './support/dsql-options.js'
import { ECOMMERCE_TABLES, type EcommerceStage, expectEcommerceSchema } from './support/ecommerce.js'
import { applyThroughMigrator, pipelineReady, transformErrors } from './support/pipeline.js'
import { itSurvivesKillsAndConcurrentRunners } from './support/resilience.js'

// Sequelize's own `sync()` and `sync({ alter: true })` run against the emulator, reading the
// database as they always do, while every statement that would change the schema is recorded
// instead (sequelizeSyncMigration). The first migration is sync() on an empty database; the
// second is sync({ alter: true }) with the altered models once the first is applied.

function connect(dsql: MigrateTestDsql, stage: EcommerceStage) {
  const sequelize = new Sequelize({
    dialect: 'postgres',
    dialectModule: createDsqlPg(dsqlOptions(dsql)),
    // DSQL refuses the SET client_min_messages Sequelize sends on connect.
    dialectOptions: { clientMinMessages: 'ignore' },
    logging: false,
  })
  return { sequelize, models: defineEcommerce(sequelize, stage) }
}

async function syncMigration(
  dsql: MigrateTestDsql,
  stage: EcommerceStage,
  alter: boolean,
): Promise<OrmMigration[]> {
  const { sequelize } = connect(dsql, stage)
  try {
    return await sequelizeSyncMigration(sequelize, { alter })
  } finally {
    await sequelize.close()
  }
}

describe.runIf(pipelineReady)('sequelize-cli migrations through pg-dsql-migrate on the emulator', () => {
  it('captures each up(queryInterface, Sequelize) in file order and applies them from empty', async () => {
    const dsql = await startMigrateTestDsql()
    const { sequelize } = connect(dsql, 'altered')
    try {
      const directory = join(import.meta.dirname, 'fixtures/sequelize/migrations')
      const migrations = await readSequelizeMigrations({ sequelize, directory })
      expect(migrations.map((m) => m.id)).toEqual([
        '20260301120000-create-ecommerce.cjs',
        '20260315090000-phone-and-product-fk.cjs',
      ])
      expect(await transformErrors(migrations)).toEqual([])
      const pool = dsql.pool()
      await applyThroughMigrator({ pool, migrations: migrations.slice(0, 1) })
      expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), 'created')
      await applyThroughMigrator({ pool, migrations })
      const snapshot = await catalogSnapshot(pool)
      expectEcommerceSchema(snapshot, 'altered')
      expect(Object.keys(snapshot.tables)).not.toContain('SequelizeMeta')
    } finally {
      await sequelize.close()
      await dsql.stop()
    }
  })
})

describe.runIf(pipelineReady)('Sequelize sync through pg-dsql-migrate on the emulator', () => {
  let dsql: MigrateTestDsql
  let migrations: OrmMigration[]
  let created: CatalogSnapshot

  beforeAll(async () => {
    dsql = await startMigrateTestDsql()
    const pool = dsql.pool()
    const first = await syncMigration(dsql, 'created', false)
    await applyThroughMigrator({ pool, migrations: first })
    created = await catalogSnapshot(pool, ECOMMERCE_TABLES)
    migrations = [...first, ...(await syncMigration(dsql, 'altered', true))]
    await applyThroughMigrator({ pool, migrations })
  })

  afterAll(async () => {
    await dsql?.stop()
  })

  it('records what sync() would run on an empty database, and only what changed for sync({ alter })', async () => {
    expect(migrations.map((m) => m.id)).toEqual([
      expect.stringMatching(/^sequelize-sync-[0-9a-f]{12}$/),
      expect.stringMatching(/^sequelize-sync-[0-9a-f]{12}$/),
    ])
    expect(migrations[0]?.sql).toMatch(/CREATE TABLE IF NOT EXISTS "products" \("id" {2}SERIAL/)
    const alter = migrations[1]?.sql ?? ''
    expect(alter).toContain('ALTER TABLE "public"."customers" ADD COLUMN "phone" TEXT UNIQUE;')
    expect(alter).toContain('ALTER TABLE "public"."products" DROP COLUMN "description";')
    expect(alter).toMatch(/ADD FOREIGN KEY \("product_id"\) REFERENCES "products" \("id"\)/)
    // Sequelize restates every unchanged column; none of that is left.
    expect(alter).not.toMatch(/ALTER COLUMN "(email|name|status|quantity|order_id|customer_id)"/)
    expect(alter).not.toMatch(/\bTYPE\b/)
    expect(await transformErrors(migrations)).toEqual([])
  })

  it('builds the schema from empty, then alters it, leaving nothing for the next sync({ alter })', async () => {
    expectEcommerceSchema(created, 'created')
    expectEcommerceSchema(await catalogSnapshot(dsql.pool(), ECOMMERCE_TABLES), 'altered')
    expect(await syncMigration(dsql, 'altered', true)).toEqual([])
  })

  it('lets Sequelize create and query through the tables with their associations', async () => {
    const { sequelize, models } = connect(dsql, 'altered')
    try {
      const customer = await models.Customer.create({ email: 'ada@example.com', name: 'Ada', phone: '1' })
      const product = await models.Product.create({ sku: 'SKU-1', name: 'Lamp', priceCents: 2500 })
      const order = await models.Order.create({ customerId: customer.get('id') })
      await models.OrderItem.create({ orderId: order.get('id'), productId: product.get('id'), quantity: 2 })
      const items = await models.OrderItem.findAll({
        include: [{ association: 'order', include: ['customer'] }, 'product'],
      })
      expect(
        items
          .map((i) => i.get({ plain: true }))
          .map((i) => [i.order.customer.email, i.product.sku, i.quantity]),
      ).toEqual([['ada@example.com', 'SKU-1', 2]])
    } finally {
      await sequelize.close()
    }
  })

  itSurvivesKillsAndConcurrentRunners(() => migrations)
})
