// One order, one transaction: check the stock of every line, decrement it, insert the order and
// its lines. Too little stock is a business outcome the transaction returns (it wrote nothing);
// conflicts with other shoppers on hot products are retried by pool.transaction(), and
// exactlyOnce settles a COMMIT whose answer was lost in the outage.

const STOCK = 'SELECT sku, stock FROM shop.inventory WHERE sku = ANY($1::text[])'
const DECREMENT = `UPDATE shop.inventory AS i SET stock = i.stock - l.quantity
  FROM unnest($1::text[], $2::int[]) AS l(sku, quantity) WHERE i.sku = l.sku`
const ORDER = 'INSERT INTO shop.orders (id, customer_id, region, total_cents) VALUES ($1, $2, $3, $4)'
const LINES = `INSERT INTO shop.order_lines (order_id, line_no, sku, quantity, price_cents)
  SELECT $1, n, sku, quantity, price FROM unnest($2::int[], $3::text[], $4::int[], $5::int[])
    AS l(n, sku, quantity, price)`

/** Thrown by onConflict when the basket sold out meanwhile: the order becomes out-of-stock. */
class SoldOut extends Error {
  name = 'SoldOut'

  /** @param {string} sku */
  constructor(sku) {
    super(`${sku} sold out`)
    this.sku = sku
  }
}

/** The first line the stock cannot cover, or undefined. */
const shortLine = (order, rows) => {
  const stock = new Map(rows.map((row) => [row.sku, row.stock]))
  return order.lines.find((line) => (stock.get(line.sku) ?? 0) < line.quantity)
}

/**
 * @param {import('pg-dsql').DsqlPool} pool
 * @param {{ id: string, customerId: string, totalCents: number,
 *   lines: readonly { lineNo: number, sku: string, quantity: number, priceCents: number }[] }} order
 * @returns {Promise<{ status: 'placed', region: string } | { status: 'out-of-stock', sku: string, region: string }>}
 */
export async function placeOrder(pool, order) {
  const skus = order.lines.map((line) => line.sku)
  const quantities = order.lines.map((line) => line.quantity)
  let region = 'unknown'
  try {
    return await pool.transaction(
      async (client) => {
        // The Region of the endpoint this attempt runs on: the router picked it.
        region = client.endpoint?.region ?? 'unknown'
        const { rows } = await client.query(STOCK, [skus])
        const short = shortLine(order, rows)
        if (short !== undefined) return { status: 'out-of-stock', sku: short.sku, region }

        await client.query(DECREMENT, [skus, quantities])
        await client.query(ORDER, [order.id, order.customerId, region, order.totalCents])
        await client.query(LINES, [
          order.id,
          order.lines.map((line) => line.lineNo),
          skus,
          quantities,
          order.lines.map((line) => line.priceCents),
        ])
        return { status: 'placed', region }
      },
      {
        // A COMMIT whose answer is lost in the outage is settled by a marker row, never doubled.
        exactlyOnce: true,
        // A flash sale on a few hot rows: a bigger budget than the default 10 attempts ...
        maxAttempts: 20,
        // ... and no retry once the basket sold out meanwhile: that is a business outcome.
        async onConflict() {
          const short = shortLine(order, (await pool.query(STOCK, [skus])).rows)
          if (short !== undefined) throw new SoldOut(short.sku)
          return 'retry'
        },
      },
    )
  } catch (error) {
    if (error instanceof SoldOut) return { status: 'out-of-stock', sku: error.sku, region }
    throw error
  }
}
