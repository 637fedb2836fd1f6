// pg-promise over pg-dsql: pgp.pg = createDsqlPg() (pg-promise builds its pool from pgp.pg, so
// every database gets a DsqlPool), tables keyed the DSQL way, CRUD, and pg-promise's own db.tx
// retried on conflicts by dsqlTx. Configured by the environment alone (DSQL_ENDPOINTS,
// AWS_REGION, AWS credentials, PGSSLROOTCERT), as `node examples/run.mjs pg-promise` sets it for
// the emulator, or as you would for a real cluster.
import { createDsqlPg } from 'pg-dsql'
import { dsqlTx } from 'pg-dsql/pg-promise'
import pgPromise from 'pg-promise'

const pgp = pgPromise()
// pg-promise pins its own pg; swap in pg-dsql's module before creating a database.
pgp.pg = createDsqlPg()
const db = pgp({})

try {
  // DSQL runs one DDL statement per transaction: one CREATE per query, outside any transaction.
  await db.none('CREATE TABLE IF NOT EXISTS pgp_example_stock (sku text PRIMARY KEY, qty int NOT NULL)')
  // No serial on DSQL: a uuid key that DSQL fills in.
  await db.none(
    'CREATE TABLE IF NOT EXISTS pgp_example_orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), sku text NOT NULL)',
  )

  // CRUD through pg-promise's own API.
  await db.none(
    'INSERT INTO pgp_example_stock (sku, qty) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET qty = $2',
    ['sku-1', 5],
  )
  await db.none('DELETE FROM pgp_example_orders WHERE sku = $1', ['sku-1'])
  const before = await db.one('SELECT qty FROM pgp_example_stock WHERE sku = $1', ['sku-1'], (row) => row.qty)
  console.log(`stock before: ${before}`)

  // Five concurrent orders against one hot row: the losers of each conflict run again.
  let retries = 0
  const placed = await Promise.all(
    Array.from({ length: 5 }, () =>
      dsqlTx(
        db,
        async (t) => {
          const qty = await t.one(
            'SELECT qty FROM pgp_example_stock WHERE sku = $1',
            ['sku-1'],
            (row) => row.qty,
          )
          await t.none('UPDATE pgp_example_stock SET qty = $1 WHERE sku = $2', [qty - 1, 'sku-1'])
          return t.one(
            'INSERT INTO pgp_example_orders (sku) VALUES ($1) RETURNING id',
            ['sku-1'],
            (row) => row.id,
          )
        },
        { onRetry: () => retries++, transactionOptions: { tag: 'order' } },
      ),
    ),
  )

  const left = await db.one('SELECT qty FROM pgp_example_stock WHERE sku = $1', ['sku-1'], (row) => row.qty)
  const orderRows = await db.one(
    'SELECT count(*)::int AS n FROM pgp_example_orders WHERE sku = $1',
    ['sku-1'],
    (row) => row.n,
  )
  console.log(
    `placed ${placed.length} orders after ${retries} retries; ${orderRows} order rows; stock left: ${left}`,
  )
  if (left !== 0 || orderRows !== 5) {
    console.error('expected stock 0 and 5 order rows: every transaction committed exactly once')
    process.exitCode = 1
  }
} finally {
  pgp.end()
}
