import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planDrizzlePush, readDrizzleMigrations } from '../../src/adapters/drizzle.js'
import type { OrmMigration } from '../../src/adapters/orm-migration.js'
import { startMigrateTestDsql } from '../support/emulator.js'
import * as altered from './fixtures/drizzle/schema-altered.js'
import * as created from './fixtures/drizzle/schema-created.js'
import { catalogSnapshot } from './support/catalog.js'
import { ECOMMERCE_TABLES, expectEcommerceSchema } from './support/ecommerce.js'
import { applyThroughMigrator, pipelineReady, transformErrors } from './support/pipeline.js'
import { itSurvivesKillsAndConcurrentRunners } from './support/resilience.js'
import { runTool, workFolder } from './support/work-folder.js'

// The migrations are drizzle-kit 0.31's own output: its CLI runs offline and generates
// 0000_init.sql from schema-created.ts, then 0001_alter.sql from schema-altered.ts, into a folder
// of this file's own. The push path uses drizzle-kit/api's statement list.

const fixtures = join(import.meta.dirname, 'fixtures/drizzle')
let folder: Awaited<ReturnType<typeof workFolder>>
let migrations: OrmMigration[]

async function generate(schemaFile: string, name: string): Promise<void> {
  await copyFile(join(fixtures, schemaFile), join(folder.path, 'schema.ts'))
  const args = [
    'generate',
    '--dialect',
    'postgresql',
    '--schema',
    './schema.ts',
    '--out',
    './drizzle',
    '--name',
    name,
  ]
  await runTool('node_modules/drizzle-kit/bin.cjs', args, folder.path)
}

beforeAll(async () => {
  folder = await workFolder('drizzle')
  await generate('schema-created.ts', 'init')
  await generate('schema-altered.ts', 'alter')
  migrations = await readDrizzleMigrations(join(folder.path, 'drizzle'))
})

afterAll(async () => {
  await folder?.remove()
})

describe('readDrizzleMigrations', () => {
  it('reads a drizzle-kit generate folder in journal order, one migration per tag, as drizzle-kit wrote it', async () => {
    expect(migrations.map((m) => m.id)).toEqual(['0000_init', '0001_alter'])
    const written = await readFile(join(folder.path, 'drizzle/0000_init.sql'), 'utf8')
    expect(migrations[0]?.sql).toBe(written)
    expect(written).toContain('--> statement-breakpoint')
    expect(migrations[1]?.sql).toMatch(/ALTER TABLE "products" DROP COLUMN "description"/)
  })

  it('names the folder and what it must hold when meta/_journal.json is missing', async () => {
    await expect(readDrizzleMigrations(join(folder.path, 'nowhere'))).rejects.toMatchObject({
      code: 'ERR_DSQL_MIGRATE_SOURCE',
      message: expect.stringContaining('meta/_journal.json'),
    })
  })
})

describe('planDrizzlePush', () => {
  it('turns drizzle-kit statement list from an empty database into one migration, named by its content', async () => {
    const plan = await planDrizzlePush({ schema: created })
    expect(plan.statements.filter((s) => s.startsWith('CREATE TABLE')).length).toBe(4)
    expect(plan.migrations).toEqual([
      { id: expect.stringMatching(/^drizzle-push-[0-9a-f]{12}$/), sql: expect.any(String) },
    ])
    expect((await planDrizzlePush({ schema: created })).migrations[0]?.id).toBe(plan.migrations[0]?.id)
  })

  it('diffs from the previous snapshot, and plans nothing when the schema did not change', async () => {
    const first = await planDrizzlePush({ schema: created })
    const second = await planDrizzlePush({ schema: altered, from: first.snapshot })
    expect(second.statements).toEqual(
      expect.arrayContaining([
        'ALTER TABLE "customers" ADD COLUMN "phone" text;',
        'ALTER TABLE "products" DROP COLUMN "description";',
      ]),
    )
    expect((await planDrizzlePush({ schema: altered, from: second.snapshot })).migrations).toEqual([])
  })
})

describe.runIf(pipelineReady)('Drizzle migrations through pg-dsql-migrate on the emulator', () => {
  it('has a DSQL form for every statement drizzle-kit generated', async () => {
    expect(await transformErrors(migrations)).toEqual([])
  })

  it('applies the generated folder from empty, then the altering migration, and Drizzle uses the tables', async () => {
    const dsql = await startMigrateTestDsql()
    try {
      const pool = dsql.pool()
      await applyThroughMigrator({ pool, migrations: migrations.slice(0, 1) })
      expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), 'created')
      await applyThroughMigrator({ pool, migrations })
      expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), 'altered')

      const db = drizzle({ client: pool, schema: altered })
      const [customer] = await db
        .insert(altered.customers)
        .values({ email: 'ada@example.com', name: 'Ada', phone: '+1 555 0100' })
        .returning()
      const [product] = await db
        .insert(altered.products)
        .values({ sku: 'SKU-1', name: 'Lamp', priceCents: 2500 })
        .returning()
      const [order] = await db
        .insert(altered.orders)
        .values({ customerId: customer?.id as string })
        .returning()
      await db
        .insert(altered.orderItems)
        .values({ orderId: order?.id as string, productId: product?.id as string, quantity: 2 })
      const lines = await db
        .select({
          email: altered.customers.email,
          sku: altered.products.sku,
          quantity: altered.orderItems.quantity,
        })
        .from(altered.orderItems)
        .innerJoin(altered.orders, eq(altered.orders.id, altered.orderItems.orderId))
        .innerJoin(altered.customers, eq(altered.customers.id, altered.orders.customerId))
        .innerJoin(altered.products, eq(altered.products.id, altered.orderItems.productId))
      expect(lines).toEqual([{ email: 'ada@example.com', sku: 'SKU-1', quantity: 2 }])
      await expect(
        db
          .insert(altered.orderItems)
          .values({ orderId: order?.id as string, productId: order?.id as string, quantity: 1 }),
      ).rejects.toMatchObject({ cause: { code: '23503' } })
    } finally {
      await dsql.stop()
    }
  })

  itSurvivesKillsAndConcurrentRunners(() => migrations)

  it('replaces drizzle-kit push: plans from the live database, applies, and has nothing left to push', async () => {
    const dsql = await startMigrateTestDsql()
    try {
      const pool = dsql.pool()
      const db = drizzle({ client: pool })
      for (const [schema, stage] of [
        [created, 'created'],
        [altered, 'altered'],
      ] as const) {
        const plan = await planDrizzlePush({ schema, from: db })
        expect(plan.migrations).toHaveLength(1)
        await applyThroughMigrator({ pool, migrations: plan.migrations })
        expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), stage)
      }
      const again = await planDrizzlePush({ schema: altered, from: db })
      expect(again.statements).toEqual([])
      expect(again.migrations).toEqual([])
    } finally {
      await dsql.stop()
    }
  })
})
