// The quickstart: a DsqlPool configured by the environment alone (DSQL_ENDPOINTS, AWS_REGION,
// AWS credentials, PGSSLROOTCERT), as `pg-dsql-emulator --env-file .env.dsql` writes it, or as
// you would set it for a real cluster.
import { DsqlPool } from 'pg-dsql'

const pool = new DsqlPool({
  onEvent: (event) => {
    if (event.type === 'token.issued' || event.type === 'retry')
      console.log(`  event ${event.type}`, event.endpoint ?? '')
  },
})

try {
  const { rows: version } = await pool.query('SELECT version()')
  console.log(`connected: ${version[0].version}`)

  await pool.query('CREATE TABLE IF NOT EXISTS quickstart_stock (sku text PRIMARY KEY, qty int NOT NULL)')
  await pool.query(
    "INSERT INTO quickstart_stock VALUES ('sku-1', 10) ON CONFLICT (sku) DO UPDATE SET qty = 10",
  )

  // Ten concurrent orders against one hot row: conflicts are retried by pool.transaction().
  const orders = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      pool.transaction(async (client) => {
        const { rows } = await client.query('SELECT qty FROM quickstart_stock WHERE sku = $1', ['sku-1'])
        await client.query('UPDATE quickstart_stock SET qty = $1 WHERE sku = $2', [rows[0].qty - 1, 'sku-1'])
        return `order-${i + 1}`
      }),
    ),
  )
  const { rows: stock } = await pool.query("SELECT qty FROM quickstart_stock WHERE sku = 'sku-1'")
  console.log(`placed ${orders.length} orders; stock left: ${stock[0].qty} (expected 0: no lost update)`)
  if (stock[0].qty !== 0) process.exitCode = 1
} finally {
  await pool.end()
}
