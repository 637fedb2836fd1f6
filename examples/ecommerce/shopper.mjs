// One shopper: browses a category page and a product or two (read-only), then places an order,
// over and over until told to stop. Everything it sees goes to the recorder.
import { randomUUID } from 'node:crypto'
import { TransactionOutcomeUnknownError } from 'pg-dsql'
import { CATEGORIES, makeOrder, pick } from './catalog.mjs'
import { placeOrder } from './place-order.mjs'

const CATEGORY_PAGE = `SELECT p.sku, p.name, p.price_cents, i.stock > 0 AS in_stock
  FROM shop.products p JOIN shop.inventory i USING (sku) WHERE p.category = $1 ORDER BY p.sku LIMIT 12`
const PRODUCT_PAGE = `SELECT p.sku, p.name, p.price_cents, i.stock
  FROM shop.products p JOIN shop.inventory i USING (sku) WHERE p.sku = $1`

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * @param {{ pool: import('pg-dsql').DsqlPool, catalog: ReturnType<typeof import('./catalog.mjs').makeCatalog>,
 *   recorder: ReturnType<typeof import('./recorder.mjs').createRecorder>, random: () => number,
 *   isShopping: () => boolean }} options
 */
export async function runShopper({ pool, catalog, recorder, random, isShopping }) {
  while (isShopping()) {
    try {
      const { rows } = await pool.query(CATEGORY_PAGE, [pick(CATEGORIES, random)])
      recorder.browsed()
      if (rows.length > 0) {
        await pool.query(PRODUCT_PAGE, [pick(rows, random).sku])
        recorder.browsed()
      }
    } catch (error) {
      recorder.browseFailed(error)
    }
    await sleep(20 + random() * 60)
    if (!isShopping()) break

    const order = makeOrder(catalog, random, randomUUID())
    const startedAt = performance.now()
    try {
      const outcome = await placeOrder(pool, order)
      if (outcome.status === 'placed') recorder.placed(order, outcome.region, performance.now() - startedAt)
      else recorder.outOfStock(order)
    } catch (error) {
      if (error instanceof TransactionOutcomeUnknownError) recorder.unknownOutcome(order, error)
      else recorder.orderFailed(order, error)
    }
    await sleep(30 + random() * 90)
  }
}
