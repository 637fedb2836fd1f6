// TypeORM over pg-dsql: createDsqlPg() as the DataSource's pg driver, EntitySchemas (no
// decorators) on tables keyed the DSQL way, CRUD, TypeORM's own transaction retried on conflicts
// by dsqlTransaction, and a repository.save() retried by retryTransaction. Configured by the
// environment alone (DSQL_ENDPOINTS, AWS_REGION, AWS credentials, PGSSLROOTCERT), as
// `node examples/run.mjs typeorm` sets it for the emulator, or as you would for a real cluster.
import { createDsqlPg, retryTransaction } from 'pg-dsql'
import { dsqlTransaction } from 'pg-dsql/typeorm'
import { DataSource, EntitySchema } from 'typeorm'

const Stock = new EntitySchema({
  name: 'Stock',
  tableName: 'typeorm_example_stock',
  columns: { sku: { type: 'text', primary: true }, qty: { type: 'int' } },
})
// No serial on DSQL: a uuid key that DSQL fills in (gen_random_uuid(), hence uuidExtension below).
const Order = new EntitySchema({
  name: 'Order',
  tableName: 'typeorm_example_orders',
  columns: { id: { type: 'uuid', primary: true, generated: 'uuid' }, sku: { type: 'text' } },
})

const dataSource = new DataSource({
  type: 'postgres',
  driver: createDsqlPg(),
  // DSQL has no CREATE EXTENSION and no uuid-ossp: TypeORM's default uuid_generate_v4() fails there.
  installExtensions: false,
  uuidExtension: 'pgcrypto',
  entities: [Stock, Order],
})
await dataSource.initialize()

try {
  // DSQL runs one DDL statement per transaction: one CREATE per query, outside any transaction.
  await dataSource.query(
    'CREATE TABLE IF NOT EXISTS typeorm_example_stock (sku text PRIMARY KEY, qty integer NOT NULL)',
  )
  await dataSource.query(
    'CREATE TABLE IF NOT EXISTS typeorm_example_orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), sku text NOT NULL)',
  )

  // CRUD through TypeORM's repositories. save() opens a transaction of its own, so a conflict
  // on its COMMIT fails it: retryTransaction runs it again.
  const stock = dataSource.getRepository(Stock)
  const orders = dataSource.getRepository(Order)
  await retryTransaction(() => stock.save({ sku: 'sku-1', qty: 5 }))
  await orders.delete({ sku: 'sku-1' })
  console.log(`stock before: ${(await stock.findOneByOrFail({ sku: 'sku-1' })).qty}`)

  // Five concurrent orders against one hot row: the losers of each conflict run again.
  let retries = 0
  const placed = await Promise.all(
    Array.from({ length: 5 }, () =>
      dsqlTransaction(
        dataSource,
        async (manager) => {
          const row = await manager.findOneByOrFail(Stock, { sku: 'sku-1' })
          await manager.update(Stock, { sku: 'sku-1' }, { qty: row.qty - 1 })
          const order = await manager.save(Order, { sku: 'sku-1' })
          return order.id
        },
        { onRetry: () => retries++ },
      ),
    ),
  )

  const after = await stock.findOneByOrFail({ sku: 'sku-1' })
  const placedRows = await orders.countBy({ sku: 'sku-1' })
  console.log(
    `placed ${placed.length} orders after ${retries} retries; ${placedRows} order rows; stock left: ${after.qty}`,
  )
  if (after.qty !== 0 || placedRows !== 5) {
    console.error('expected stock 0 and 5 order rows: every transaction committed exactly once')
    process.exitCode = 1
  }
} finally {
  await dataSource.destroy()
}
