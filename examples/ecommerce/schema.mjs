// The shop's schema, created the DSQL way through pg-dsql-migrate's apply(): one DDL per
// transaction, indexes built asynchronously, progress in a journal of the demo's own. Then the
// data is reset to the catalog, so a real cluster can run the demo again and again.
import { apply } from 'pg-dsql-migrate'

export const SCHEMA = 'shop'
const JOURNAL = { table: 'pg_dsql_demo_journal' }

export const MIGRATIONS = Object.freeze([
  {
    id: 'shop-001-catalog',
    sql: `CREATE SCHEMA IF NOT EXISTS shop;
      CREATE TABLE shop.products (
        sku text PRIMARY KEY,
        name text NOT NULL,
        category text NOT NULL,
        price_cents integer NOT NULL
      );
      CREATE INDEX products_by_category ON shop.products (category, sku);`,
  },
  {
    id: 'shop-002-inventory',
    sql: `CREATE TABLE shop.inventory (
        sku text PRIMARY KEY,
        stock integer NOT NULL CHECK (stock >= 0),
        initial_stock integer NOT NULL
      );`,
  },
  {
    id: 'shop-003-customers',
    sql: `CREATE TABLE shop.customers (
        id text PRIMARY KEY,
        name text NOT NULL
      );`,
  },
  {
    id: 'shop-004-orders',
    sql: `CREATE TABLE shop.orders (
        id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        region text NOT NULL,
        total_cents integer NOT NULL,
        placed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE shop.order_lines (
        order_id uuid NOT NULL,
        line_no integer NOT NULL,
        sku text NOT NULL,
        quantity integer NOT NULL,
        price_cents integer NOT NULL,
        PRIMARY KEY (order_id, line_no)
      );
      CREATE INDEX orders_by_customer ON shop.orders (customer_id);
      CREATE INDEX order_lines_by_sku ON shop.order_lines (sku);`,
  },
])

/** Applies the migrations; resolves with how many statements ran and the async index jobs. */
export async function createSchema(pool) {
  let statements = 0
  let jobs = 0
  await apply({
    pool,
    migrations: MIGRATIONS,
    journal: JOURNAL,
    onEvent(event) {
      if (event.type === 'statement.applied') {
        statements++
        if (event.jobId !== undefined) jobs++
      }
    },
  })
  return { migrations: MIGRATIONS.length, statements, jobs }
}

const BATCH = 500

/** Deletes in batches: DSQL caps a transaction at 3,000 changed rows. */
async function deleteAll(pool, table, key) {
  let deleted
  do {
    ;({ rowCount: deleted } = await pool.query(
      `DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} LIMIT ${BATCH})`,
    ))
  } while (deleted > 0)
}

/** Empties the orders and puts every product back at its initial stock. */
export async function resetShop(pool, catalog) {
  await deleteAll(pool, 'shop.order_lines', 'order_id, line_no')
  await deleteAll(pool, 'shop.orders', 'id')
  for (let at = 0; at < catalog.products.length; at += BATCH) {
    const batch = catalog.products.slice(at, at + BATCH)
    const column = (field) => batch.map((product) => product[field])
    await pool.query(
      `INSERT INTO shop.products (sku, name, category, price_cents)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category,
         price_cents = EXCLUDED.price_cents`,
      [column('sku'), column('name'), column('category'), column('priceCents')],
    )
    await pool.query(
      `INSERT INTO shop.inventory (sku, stock, initial_stock)
         SELECT sku, stock, stock FROM unnest($1::text[], $2::int[]) AS s(sku, stock)
       ON CONFLICT (sku) DO UPDATE SET stock = EXCLUDED.stock, initial_stock = EXCLUDED.initial_stock`,
      [column('sku'), column('initialStock')],
    )
  }
  for (let at = 0; at < catalog.customers.length; at += BATCH) {
    const ids = catalog.customers.slice(at, at + BATCH)
    await pool.query(
      `INSERT INTO shop.customers (id, name) SELECT id, 'Customer ' || id FROM unnest($1::text[]) AS c(id)
       ON CONFLICT (id) DO NOTHING`,
      [ids],
    )
  }
}
