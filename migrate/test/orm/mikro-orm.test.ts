import type { MikroORM } from '@mikro-orm/postgresql'
import { createDsqlPg } from 'pg-dsql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mikroOrmSchemaMigration } from '../../src/adapters/mikro-orm.js'
import type { OrmMigration } from '../../src/adapters/orm-migration.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../support/emulator.js'
import { ecommerceEntities } from './fixtures/mikro-orm/ecommerce-entities.js'
import { type CatalogSnapshot, catalogSnapshot } from './support/catalog.js'
import { dsqlOptions } from './support/dsql-options.js'
import { ECOMMERCE_TABLES, type EcommerceStage, expectEcommerceSchema } from './support/ecommerce.js'
import { applyThroughMigrator, pipelineReady, transformErrors } from './support/pipeline.js'
import { itSurvivesKillsAndConcurrentRunners } from './support/resilience.js'

// MikroORM's SchemaGenerator on the emulator: getCreateSchemaSQL() for the first migration (the
// SQL of `schema:create`), then, once it is applied, getUpdateSchemaSQL() with the altered
// entities (the SQL of `schema:update`). MikroORM 7 needs Node 22, as in the driver's tests.

const nodeMajor = Number(process.versions.node.split('.')[0])

describe.runIf(nodeMajor >= 22 && pipelineReady)(
  'MikroORM schema SQL through pg-dsql-migrate on the emulator',
  () => {
    let dsql: MigrateTestDsql
    let migrations: OrmMigration[]
    let created: CatalogSnapshot
    let updateOnEmpty: OrmMigration[]

    type Entities = ReturnType<typeof ecommerceEntities>

    async function init(stage: EcommerceStage): Promise<{ orm: MikroORM; entities: Entities }> {
      const core = await import('@mikro-orm/core')
      const { MikroORM } = await import('@mikro-orm/postgresql')
      const entities = ecommerceEntities(core, stage)
      const orm = await MikroORM.init({
        entities: Object.values(entities),
        dbName: 'postgres',
        // MikroORM's default user is `postgres`: name the DSQL role.
        user: 'admin',
        driverOptions: { Client: createDsqlPg(dsqlOptions(dsql)).Client },
      })
      return { orm, entities }
    }

    async function withOrm<T>(
      stage: EcommerceStage,
      use: (orm: MikroORM, entities: Entities) => Promise<T>,
    ): Promise<T> {
      const { orm, entities } = await init(stage)
      try {
        return await use(orm, entities)
      } finally {
        await orm.close()
      }
    }

    beforeAll(async () => {
      dsql = await startMigrateTestDsql()
      const pool = dsql.pool()
      const first = await withOrm('created', async (orm) => {
        updateOnEmpty = await mikroOrmSchemaMigration(orm.schema)
        return mikroOrmSchemaMigration(orm.schema, { mode: 'create' })
      })
      await applyThroughMigrator({ pool, migrations: first })
      created = await catalogSnapshot(pool, ECOMMERCE_TABLES)
      migrations = [...first, ...(await withOrm('altered', (orm) => mikroOrmSchemaMigration(orm.schema)))]
      await applyThroughMigrator({ pool, migrations })
    })

    afterAll(async () => {
      await dsql?.stop()
    })

    it('captures schema:create’s and schema:update’s SQL without MikroORM’s wrapper, each with a DSQL form', async () => {
      expect(migrations.map((m) => m.id)).toEqual([
        expect.stringMatching(/^mikro-orm-create-[0-9a-f]{12}$/),
        expect.stringMatching(/^mikro-orm-update-[0-9a-f]{12}$/),
      ])
      expect(updateOnEmpty[0]?.sql).toBe(migrations[0]?.sql)
      expect(migrations[0]?.sql).not.toMatch(/session_replication_role/)
      expect(migrations[1]?.sql).toContain('alter table "products" drop column "description";')
      expect(migrations[1]?.sql).toMatch(/add constraint "order_items_product_id_foreign" foreign key/)
      expect(await transformErrors(migrations)).toEqual([])
    })

    it('builds the schema from empty, then alters it, leaving nothing for the next schema:update', async () => {
      expectEcommerceSchema(created, 'created')
      expectEcommerceSchema(await catalogSnapshot(dsql.pool(), ECOMMERCE_TABLES), 'altered')
      expect(await withOrm('altered', (orm) => mikroOrmSchemaMigration(orm.schema))).toEqual([])
    })

    it('lets MikroORM persist and load through the tables with their relations', async () => {
      await withOrm('altered', async (orm, { Customer, Product, Order, OrderItem }) => {
        // The entities' types change with the stage; the altered ones are used untyped here.
        const em = orm.em.fork()
        const customer = em.create(Customer, { email: 'ada@example.com', name: 'Ada', phone: '1' } as never)
        const product = em.create(Product, { sku: 'SKU-1', name: 'Lamp', priceCents: 2500 } as never)
        const order = em.create(Order, { customer } as never)
        em.create(OrderItem, { order, product, quantity: 2 } as never)
        await em.flush()
        const items = (await orm.em
          .fork()
          .find(OrderItem, {}, { populate: ['order.customer', 'product'] as never })) as {
          order: { customer: { email: string } }
          product: { sku: string }
          quantity: number
        }[]
        expect(items.map((i) => [i.order.customer.email, i.product.sku, i.quantity])).toEqual([
          ['ada@example.com', 'SKU-1', 2],
        ])
      })
    })

    itSurvivesKillsAndConcurrentRunners(() => migrations)
  },
)
