// Prisma 7 over pg-dsql: the driver adapter (@prisma/adapter-pg) on a DsqlPool, models keyed the
// DSQL way, CRUD, and Prisma's own $transaction (interactive and batch) retried on conflicts by
// the dsqlRetry() client extension. Configured by the environment alone (DSQL_ENDPOINTS,
// AWS_REGION, AWS credentials, PGSSLROOTCERT), as `node examples/run.mjs prisma` sets it for the
// emulator, or as you would for a real cluster.
import { PrismaPg } from '@prisma/adapter-pg'
import { DsqlPool } from 'pg-dsql'
import { dsqlRetry } from 'pg-dsql/prisma'
import { prepareClient } from './prepare-client.mjs'

// In a TypeScript app: import { PrismaClient } from './generated/client.js'
const { PrismaClient } = await prepareClient()

const pool = new DsqlPool()
let retries = 0
const prisma = new PrismaClient({ adapter: new PrismaPg(pool) }).$extends(
  dsqlRetry({ onEvent: (event) => (event.type === 'retry' ? retries++ : undefined) }),
)

try {
  // Prisma's migrations need its native schema engine and run several DDL statements per
  // transaction; DSQL runs one. Create tables with plain DDL, one statement per query.
  await pool.query(
    'CREATE TABLE IF NOT EXISTS prisma_example_stock (sku text PRIMARY KEY, qty integer NOT NULL)',
  )
  await pool.query(
    'CREATE TABLE IF NOT EXISTS prisma_example_orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), sku text NOT NULL)',
  )

  // CRUD through the generated client.
  await prisma.stock.upsert({ where: { sku: 'sku-1' }, create: { sku: 'sku-1', qty: 5 }, update: { qty: 5 } })
  await prisma.order.deleteMany({ where: { sku: 'sku-1' } })
  console.log(`stock before: ${(await prisma.stock.findUniqueOrThrow({ where: { sku: 'sku-1' } })).qty}`)

  // Five concurrent orders against one hot row: the losers of each conflict run again.
  const placed = await Promise.all(
    Array.from({ length: 5 }, () =>
      prisma.$transaction(async (tx) => {
        const row = await tx.stock.findUniqueOrThrow({ where: { sku: 'sku-1' } })
        await tx.stock.update({ where: { sku: 'sku-1' }, data: { qty: row.qty - 1 } })
        return (await tx.order.create({ data: { sku: 'sku-1' } })).id
      }),
    ),
  )

  // The batch form: its queries are sent again after a conflict.
  const [after, placedRows] = await prisma.$transaction([
    prisma.stock.findUniqueOrThrow({ where: { sku: 'sku-1' } }),
    prisma.order.count({ where: { sku: 'sku-1' } }),
  ])
  console.log(
    `placed ${placed.length} orders after ${retries} retries; ${placedRows} order rows; stock left: ${after.qty}`,
  )
  if (after.qty !== 0 || placedRows !== 5) {
    console.error('expected stock 0 and 5 order rows: every transaction committed exactly once')
    process.exitCode = 1
  }
} finally {
  await prisma.$disconnect()
  await pool.end()
}
