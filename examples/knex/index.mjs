// Knex over pg-dsql (Knex 3.3 or later): a DsqlPool given to Knex as its connectionPool, a table
// keyed the DSQL way, CRUD, and Knex's own transaction retried on conflicts by dsqlTransaction.
// Configured by the environment alone (DSQL_ENDPOINTS, AWS_REGION, AWS credentials,
// PGSSLROOTCERT), as `node examples/run.mjs knex` sets it for the emulator, or as you would for a
// real cluster.
import knexFactory from 'knex'
import { DsqlPool } from 'pg-dsql'
import { dsqlTransaction } from 'pg-dsql/knex'

const pool = new DsqlPool()
const knex = knexFactory({ client: 'pg', connectionPool: pool })

try {
  // DSQL runs one DDL statement per transaction: one CREATE per query, outside any transaction.
  if (!(await knex.schema.hasTable('knex_example_stock'))) {
    await knex.schema.createTable('knex_example_stock', (table) => {
      table.text('sku').primary()
      table.integer('qty').notNullable()
    })
  }
  if (!(await knex.schema.hasTable('knex_example_orders'))) {
    // No serial on DSQL: a uuid key that DSQL fills in.
    await knex.schema.createTable('knex_example_orders', (table) => {
      table.uuid('id').primary().defaultTo(knex.fn.uuid())
      table.text('sku').notNullable()
    })
  }

  // CRUD through Knex's own API.
  await knex('knex_example_stock').insert({ sku: 'sku-1', qty: 5 }).onConflict('sku').merge({ qty: 5 })
  await knex('knex_example_orders').where({ sku: 'sku-1' }).delete()
  const before = await knex('knex_example_stock').where({ sku: 'sku-1' }).first('qty')
  console.log(`stock before: ${before.qty}`)

  // Five concurrent orders against one hot row: the losers of each conflict run again.
  let retries = 0
  const placed = await Promise.all(
    Array.from({ length: 5 }, () =>
      dsqlTransaction(
        knex,
        async (trx) => {
          const row = await trx('knex_example_stock').where({ sku: 'sku-1' }).first('qty')
          await trx('knex_example_stock')
            .where({ sku: 'sku-1' })
            .update({ qty: row.qty - 1 })
          const [order] = await trx('knex_example_orders').insert({ sku: 'sku-1' }).returning('id')
          return order.id
        },
        { onRetry: () => retries++ },
      ),
    ),
  )

  const after = await knex('knex_example_stock').where({ sku: 'sku-1' }).first('qty')
  const { placedRows } = await knex('knex_example_orders')
    .where({ sku: 'sku-1' })
    .count({ placedRows: '*' })
    .first()
  console.log(
    `placed ${placed.length} orders after ${retries} retries; ${placedRows} order rows; stock left: ${after.qty}`,
  )
  if (after.qty !== 0 || Number(placedRows) !== 5) {
    console.error('expected stock 0 and 5 order rows: every transaction committed exactly once')
    process.exitCode = 1
  }
} finally {
  await knex.destroy() // Knex does not end a pool it was given:
  await pool.end() // the pool's owner does
}
