// MikroORM 7 over pg-dsql: MikroORM builds its own pg.Pool, and driverOptions gives it pg-dsql's
// Client class; entities on tables keyed the DSQL way, CRUD, em.transactional retried on
// conflicts by dsqlTransactional, and the persist-then-flush idiom by dsqlFlush. Configured by the
// environment alone (DSQL_ENDPOINTS, AWS_REGION, AWS credentials, PGSSLROOTCERT), as
// `npx -y node@22 examples/run.mjs mikro-orm` sets it for the emulator, or as you would for a real
// cluster. MikroORM 7 needs Node 22; its default host '127.0.0.1' yields to DSQL_ENDPOINTS.
import { randomUUID } from 'node:crypto'
import { defineEntity, p } from '@mikro-orm/core'
import { MikroORM } from '@mikro-orm/postgresql'
import { createDsqlPg } from 'pg-dsql'
import { dsqlFlush, dsqlTransactional } from 'pg-dsql/mikro-orm'

const Stock = defineEntity({
  name: 'Stock',
  tableName: 'mikro_example_stock',
  properties: { sku: p.string().primary(), qty: p.integer() },
})
// No serial on DSQL: a uuid key, made by MikroORM on the client.
const Order = defineEntity({
  name: 'Order',
  tableName: 'mikro_example_orders',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    sku: p.string(),
  },
})

const orm = await MikroORM.init({
  entities: [Stock, Order],
  dbName: 'postgres',
  // MikroORM's default user is `postgres`; DSQL's is admin (or your own role).
  user: process.env.PGUSER ?? 'admin',
  // MikroORM's pg.Pool makes pg-dsql clients; retire each before DSQL's 60-minute cap.
  driverOptions: { Client: createDsqlPg().Client, maxLifetimeSeconds: 3000 },
})

try {
  // DSQL runs one DDL statement per transaction: one CREATE per statement, outside any transaction.
  const connection = orm.em.getConnection()
  await connection.execute(
    'CREATE TABLE IF NOT EXISTS mikro_example_stock (sku text PRIMARY KEY, qty int NOT NULL)',
  )
  await connection.execute(
    'CREATE TABLE IF NOT EXISTS mikro_example_orders (id uuid PRIMARY KEY, sku text NOT NULL)',
  )

  // CRUD through MikroORM's own API; dsqlFlush re-runs the changes with the flush after a conflict.
  await dsqlFlush(orm.em.fork(), async (em) => {
    const stock = (await em.findOne(Stock, { sku: 'sku-1' })) ?? em.create(Stock, { sku: 'sku-1', qty: 5 })
    stock.qty = 5
    em.remove(await em.find(Order, { sku: 'sku-1' }))
  })
  console.log(`stock before: ${(await orm.em.fork().findOneOrFail(Stock, { sku: 'sku-1' })).qty}`)

  // Five concurrent orders against one hot row: the losers of each conflict run again, each on a
  // fresh fork that loads the row it changes.
  let retries = 0
  const placed = await Promise.all(
    Array.from({ length: 5 }, () =>
      dsqlTransactional(
        orm.em.fork(),
        async (em) => {
          const stock = await em.findOneOrFail(Stock, { sku: 'sku-1' })
          stock.qty -= 1
          return em.create(Order, { sku: 'sku-1' }).id
        },
        { onRetry: () => retries++ },
      ),
    ),
  )

  const left = (await orm.em.fork().findOneOrFail(Stock, { sku: 'sku-1' })).qty
  const orderRows = await orm.em.fork().count(Order, { sku: 'sku-1' })
  console.log(
    `placed ${placed.length} orders after ${retries} retries; ${orderRows} order rows; stock left: ${left}`,
  )
  if (left !== 0 || orderRows !== 5) {
    console.error('expected stock 0 and 5 order rows: every transaction committed exactly once')
    process.exitCode = 1
  }
} finally {
  await orm.close()
}
