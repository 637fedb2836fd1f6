// Sequelize over pg-dsql: createDsqlPg() as Sequelize's dialectModule, models on tables keyed the
// DSQL way, CRUD, and Sequelize's managed transaction retried on conflicts by dsqlTransaction.
// Configured by the environment alone (DSQL_ENDPOINTS, AWS_REGION, AWS credentials,
// PGSSLROOTCERT), as `node examples/run.mjs sequelize` sets it for the emulator, or as you would
// for a real cluster. Sequelize's default host 'localhost' yields to DSQL_ENDPOINTS.
import { createDsqlPg } from 'pg-dsql'
import { dsqlTransaction } from 'pg-dsql/sequelize'
import { DataTypes, Sequelize } from 'sequelize'

const sequelize = new Sequelize({
  dialect: 'postgres',
  dialectModule: createDsqlPg(),
  // DSQL refuses Sequelize's startup `SET client_min_messages`.
  dialectOptions: { clientMinMessages: 'ignore' },
  logging: false,
})

const Stock = sequelize.define(
  'Stock',
  {
    sku: { type: DataTypes.TEXT, primaryKey: true },
    qty: { type: DataTypes.INTEGER, allowNull: false },
  },
  { tableName: 'sequelize_example_stock', timestamps: false },
)
// No serial on DSQL: a uuid key, made by Sequelize on the client.
const Order = sequelize.define(
  'Order',
  {
    id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
    sku: { type: DataTypes.TEXT, allowNull: false },
  },
  { tableName: 'sequelize_example_orders', timestamps: false },
)

try {
  // DSQL runs one DDL statement per transaction: sync() sends each CREATE on its own.
  await Stock.sync()
  await Order.sync()

  // CRUD through Sequelize's own API.
  await Stock.upsert({ sku: 'sku-1', qty: 5 })
  await Order.destroy({ where: { sku: 'sku-1' } })
  console.log(`stock before: ${(await Stock.findByPk('sku-1')).qty}`)

  // Five concurrent orders against one hot row: the losers of each conflict run again. Each
  // attempt loads the row it changes, inside the callback.
  let retries = 0
  const placed = await Promise.all(
    Array.from({ length: 5 }, () =>
      dsqlTransaction(
        sequelize,
        async (t) => {
          const stock = await Stock.findByPk('sku-1', { transaction: t })
          await stock.update({ qty: stock.qty - 1 }, { transaction: t })
          const order = await Order.create({ sku: 'sku-1' }, { transaction: t })
          return order.id
        },
        { onRetry: () => retries++ },
      ),
    ),
  )

  const left = (await Stock.findByPk('sku-1')).qty
  const orderRows = await Order.count({ where: { sku: 'sku-1' } })
  console.log(
    `placed ${placed.length} orders after ${retries} retries; ${orderRows} order rows; stock left: ${left}`,
  )
  if (left !== 0 || orderRows !== 5) {
    console.error('expected stock 0 and 5 order rows: every transaction committed exactly once')
    process.exitCode = 1
  }
} finally {
  await sequelize.close()
}
