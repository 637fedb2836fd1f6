// Drizzle over pg-dsql: a DsqlPool handed to drizzle(), a table keyed the DSQL way, CRUD, and
// Drizzle's own transaction retried on conflicts by dsqlTransaction. Configured by the
// environment alone (DSQL_ENDPOINTS, AWS_REGION, AWS credentials, PGSSLROOTCERT), as
// `node examples/run.mjs drizzle` sets it for the emulator, or as you would for a real cluster.
import { count, eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { integer, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { DsqlPool } from 'pg-dsql'
import { dsqlTransaction } from 'pg-dsql/drizzle'

const stock = pgTable('drizzle_example_stock', {
  sku: text('sku').primaryKey(),
  qty: integer('qty').notNull(),
})
// No serial on DSQL: a uuid key that DSQL fills in.
const orders = pgTable('drizzle_example_orders', {
  id: uuid('id').primaryKey().defaultRandom(),
  sku: text('sku').notNull(),
})

const pool = new DsqlPool()
const db = drizzle({ client: pool })

try {
  // DSQL runs one DDL statement per transaction: one CREATE per query, outside any transaction.
  await db.execute(
    sql`CREATE TABLE IF NOT EXISTS drizzle_example_stock (sku text PRIMARY KEY, qty integer NOT NULL)`,
  )
  await db.execute(
    sql`CREATE TABLE IF NOT EXISTS drizzle_example_orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), sku text NOT NULL)`,
  )

  // CRUD through Drizzle's own API.
  await db
    .insert(stock)
    .values({ sku: 'sku-1', qty: 5 })
    .onConflictDoUpdate({ target: stock.sku, set: { qty: 5 } })
  await db.delete(orders).where(eq(orders.sku, 'sku-1'))
  const [before] = await db.select().from(stock).where(eq(stock.sku, 'sku-1'))
  console.log(`stock before: ${before.qty}`)

  // Five concurrent orders against one hot row: the losers of each conflict run again.
  let retries = 0
  const placed = await Promise.all(
    Array.from({ length: 5 }, () =>
      dsqlTransaction(
        db,
        async (tx) => {
          const [row] = await tx.select().from(stock).where(eq(stock.sku, 'sku-1'))
          await tx
            .update(stock)
            .set({ qty: row.qty - 1 })
            .where(eq(stock.sku, 'sku-1'))
          const [order] = await tx.insert(orders).values({ sku: 'sku-1' }).returning()
          return order.id
        },
        { onRetry: () => retries++ },
      ),
    ),
  )

  const [after] = await db.select().from(stock).where(eq(stock.sku, 'sku-1'))
  const [{ placedRows }] = await db
    .select({ placedRows: count() })
    .from(orders)
    .where(eq(orders.sku, 'sku-1'))
  console.log(
    `placed ${placed.length} orders after ${retries} retries; ${placedRows} order rows; stock left: ${after.qty}`,
  )
  if (after.qty !== 0 || placedRows !== 5) {
    console.error('expected stock 0 and 5 order rows: every transaction committed exactly once')
    process.exitCode = 1
  }
} finally {
  await pool.end()
}
