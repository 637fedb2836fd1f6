// Kysely over pg-dsql (Kysely 0.29 needs Node 22): a DsqlPool in Kysely's PostgresDialect, a
// table keyed the DSQL way, CRUD, and Kysely's own transaction retried on conflicts by
// dsqlTransaction. Configured by the environment alone (DSQL_ENDPOINTS, AWS_REGION, AWS
// credentials, PGSSLROOTCERT), as `npx -y node@22 examples/run.mjs kysely` sets it for the
// emulator, or as you would for a real cluster.
import { Kysely, PostgresDialect, sql } from 'kysely'
import { DsqlPool } from 'pg-dsql'
import { dsqlTransaction } from 'pg-dsql/kysely'

const db = new Kysely({ dialect: new PostgresDialect({ pool: new DsqlPool() }) })

try {
  // DSQL runs one DDL statement per transaction: one CREATE per query, outside any transaction.
  await db.schema
    .createTable('kysely_example_stock')
    .ifNotExists()
    .addColumn('sku', 'text', (col) => col.primaryKey())
    .addColumn('qty', 'integer', (col) => col.notNull())
    .execute()
  // No serial on DSQL: a uuid key that DSQL fills in.
  await db.schema
    .createTable('kysely_example_orders')
    .ifNotExists()
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('sku', 'text', (col) => col.notNull())
    .execute()

  // CRUD through Kysely's own API.
  await db
    .insertInto('kysely_example_stock')
    .values({ sku: 'sku-1', qty: 5 })
    .onConflict((oc) => oc.column('sku').doUpdateSet({ qty: 5 }))
    .execute()
  await db.deleteFrom('kysely_example_orders').where('sku', '=', 'sku-1').execute()
  const before = await db
    .selectFrom('kysely_example_stock')
    .select('qty')
    .where('sku', '=', 'sku-1')
    .executeTakeFirstOrThrow()
  console.log(`stock before: ${before.qty}`)

  // Five concurrent orders against one hot row: the losers of each conflict run again.
  let retries = 0
  const placed = await Promise.all(
    Array.from({ length: 5 }, () =>
      dsqlTransaction(
        db,
        async (trx) => {
          const row = await trx
            .selectFrom('kysely_example_stock')
            .select('qty')
            .where('sku', '=', 'sku-1')
            .executeTakeFirstOrThrow()
          await trx
            .updateTable('kysely_example_stock')
            .set({ qty: row.qty - 1 })
            .where('sku', '=', 'sku-1')
            .execute()
          const order = await trx
            .insertInto('kysely_example_orders')
            .values({ sku: 'sku-1' })
            .returning('id')
            .executeTakeFirstOrThrow()
          return order.id
        },
        { onRetry: () => retries++ },
      ),
    ),
  )

  const after = await db
    .selectFrom('kysely_example_stock')
    .select('qty')
    .where('sku', '=', 'sku-1')
    .executeTakeFirstOrThrow()
  const { placedRows } = await db
    .selectFrom('kysely_example_orders')
    .select((eb) => eb.fn.countAll().as('placedRows'))
    .where('sku', '=', 'sku-1')
    .executeTakeFirstOrThrow()
  console.log(
    `placed ${placed.length} orders after ${retries} retries; ${placedRows} order rows; stock left: ${after.qty}`,
  )
  if (after.qty !== 0 || Number(placedRows) !== 5) {
    console.error('expected stock 0 and 5 order rows: every transaction committed exactly once')
    process.exitCode = 1
  }
} finally {
  await db.destroy() // Kysely owns the pool: this ends it
}
