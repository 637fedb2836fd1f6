import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OrmMigration } from '../../src/adapters/orm-migration.js'
import { prismaDiffMigration, readPrismaMigrations } from '../../src/adapters/prisma.js'
import { startMigrateTestDsql } from '../support/emulator.js'
import { catalogSnapshot } from './support/catalog.js'
import { ECOMMERCE_TABLES, expectEcommerceSchema } from './support/ecommerce.js'
import { applyThroughMigrator, pipelineReady, transformErrors } from './support/pipeline.js'
import { itSurvivesKillsAndConcurrentRunners } from './support/resilience.js'
import { repositoryRoot, runTool, workFolder } from './support/work-folder.js'

// Prisma 7.10's CLI cannot run `migrate dev` or `migrate diff` offline: it downloads its schema
// engine first, and the binaries' host is unreachable here. The fixtures are therefore written by
// hand in exactly Prisma's output format: fixtures/prisma/migrations (two `migrate dev` folders and
// migration_lock.toml) and diff-from-empty.sql (`migrate diff --script`). `prisma generate` runs
// offline, so the client that uses the tables afterwards is Prisma's own, generated from
// fixtures/prisma/schema.prisma into a folder of this file's own.

const fixtures = join(import.meta.dirname, 'fixtures/prisma')

interface Row {
  id: string
}
interface Delegate<Data> {
  create(args: { data: Data }): Promise<Row>
}
interface EcommerceClient {
  customer: Delegate<{ email: string; name: string; phone?: string }>
  product: Delegate<{ sku: string; name: string; priceCents: number }>
  order: Delegate<{ customerId: string }> & {
    findMany(
      args: object,
    ): Promise<{ customer: { email: string }; items: { quantity: number; product: { sku: string } }[] }[]>
  }
  orderItem: Delegate<{ orderId: string; productId: string; quantity: number }>
  $disconnect(): Promise<void>
}
type ClientClass = new (options: { adapter: PrismaPg }) => EcommerceClient

let folder: Awaited<ReturnType<typeof workFolder>>
let migrations: OrmMigration[]

beforeAll(async () => {
  folder = await workFolder('prisma')
  migrations = await readPrismaMigrations(join(fixtures, 'migrations'))
})

afterAll(async () => {
  await folder?.remove()
})

/**
 * `prisma generate` with Prisma's own CLI, offline: it wants its schema engine binary before any
 * command, and `generate` never runs it, so any existing file does (as in the driver's Prisma test).
 */
async function generateClient(): Promise<ClientClass> {
  await copyFile(join(fixtures, 'schema.prisma'), join(folder.path, 'schema.prisma'))
  process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath
  process.env.CHECKPOINT_DISABLE = '1'
  await runTool(
    'node_modules/prisma/build/index.js',
    ['generate', '--schema', join(folder.path, 'schema.prisma'), '--no-hints'],
    repositoryRoot,
  )
  const generated = (await import(join(folder.path, 'generated/client.ts'))) as { PrismaClient: ClientClass }
  return generated.PrismaClient
}

describe('readPrismaMigrations', () => {
  it('reads migrations/*/migration.sql in folder-name order, ids are the folder names, the lock file skipped', async () => {
    expect(migrations.map((m) => m.id)).toEqual([
      '20260301120000_init',
      '20260315090000_phone_and_product_fk',
    ])
    expect(migrations[0]?.sql).toBe(
      await readFile(join(fixtures, 'migrations/20260301120000_init/migration.sql'), 'utf8'),
    )
  })

  it('refuses a folder whose migration_lock.toml is for another provider', async () => {
    const other = join(folder.path, 'mysql-migrations')
    await mkdir(other, { recursive: true })
    await writeFile(join(other, 'migration_lock.toml'), 'provider = "mysql"\n')
    await expect(readPrismaMigrations(other)).rejects.toMatchObject({
      code: 'ERR_DSQL_MIGRATE_SOURCE',
      message: expect.stringContaining('"mysql"'),
    })
  })
})

describe('prismaDiffMigration', () => {
  it('makes one migration of a migrate diff script, named by its content, and none of an empty diff', async () => {
    const script = await readFile(join(fixtures, 'diff-from-empty.sql'), 'utf8')
    expect(prismaDiffMigration(script)).toEqual([
      { id: expect.stringMatching(/^prisma-diff-[0-9a-f]{12}$/), sql: script },
    ])
    expect(prismaDiffMigration(script, { id: 'baseline' })[0]?.id).toBe('baseline')
    expect(prismaDiffMigration('-- This is an empty migration.\n')).toEqual([])
  })
})

describe.runIf(pipelineReady)('Prisma migrations through pg-dsql-migrate on the emulator', () => {
  it('has a DSQL form for every statement of both migrations and of the diff', async () => {
    const diff = prismaDiffMigration(await readFile(join(fixtures, 'diff-from-empty.sql'), 'utf8'))
    expect(await transformErrors([...migrations, ...diff])).toEqual([])
  })

  it('applies the migrations folder from empty, then the altering one, and Prisma Client uses the tables', async () => {
    const PrismaClient = await generateClient()
    const dsql = await startMigrateTestDsql()
    try {
      const pool = dsql.pool()
      await applyThroughMigrator({ pool, migrations: migrations.slice(0, 1) })
      expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), 'created')
      await applyThroughMigrator({ pool, migrations })
      expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), 'altered')

      const prisma = new PrismaClient({ adapter: new PrismaPg(dsql.pool()) })
      try {
        const customer = await prisma.customer.create({
          data: { email: 'ada@example.com', name: 'Ada', phone: '+1 555 0100' },
        })
        const product = await prisma.product.create({
          data: { sku: 'SKU-1', name: 'Lamp', priceCents: 2500 },
        })
        const order = await prisma.order.create({ data: { customerId: customer.id } })
        await prisma.orderItem.create({ data: { orderId: order.id, productId: product.id, quantity: 2 } })
        const orders = await prisma.order.findMany({
          include: { customer: true, items: { include: { product: true } } },
        })
        expect(
          orders.map((o) => [o.customer.email, o.items.map((i) => [i.product.sku, i.quantity])]),
        ).toEqual([['ada@example.com', [['SKU-1', 2]]]])
      } finally {
        await prisma.$disconnect()
      }
    } finally {
      await dsql.stop()
    }
  })

  it('applies migrate diff --script output on an empty database', async () => {
    const dsql = await startMigrateTestDsql()
    try {
      const pool = dsql.pool()
      const diff = prismaDiffMigration(await readFile(join(fixtures, 'diff-from-empty.sql'), 'utf8'))
      await applyThroughMigrator({ pool, migrations: diff })
      expectEcommerceSchema(await catalogSnapshot(pool, ECOMMERCE_TABLES), 'altered')
    } finally {
      await dsql.stop()
    }
  })

  itSurvivesKillsAndConcurrentRunners(() => migrations)
})
