// The end-of-run audit. `readShop` reads what the database holds; `checkInvariants` compares it
// with the catalog and with what shoppers were told, and is pure, so a test can hand it a broken
// shop. Invariants:
//   1. for every product, stock + sold = initial stock;
//   2. every acknowledged order exists exactly once, with exactly its lines;
//   3. no order is left in an unknown state: each one whose COMMIT answer was lost is resolved
//      (committed whole, or absent with no lines), and no order a shopper was told failed exists.

/** @param {import('pg-dsql').DsqlPool} pool */
export async function readShop(pool) {
  const [inventory, orders, lines] = await Promise.all([
    pool.query('SELECT sku, stock FROM shop.inventory'),
    pool.query('SELECT id, region FROM shop.orders'),
    pool.query('SELECT order_id, line_no, sku, quantity FROM shop.order_lines'),
  ])
  return {
    stock: new Map(inventory.rows.map((row) => [row.sku, row.stock])),
    orders: orders.rows.map((row) => ({ id: row.id, region: row.region })),
    lines: lines.rows.map((row) => ({
      orderId: row.order_id,
      lineNo: row.line_no,
      sku: row.sku,
      quantity: row.quantity,
    })),
  }
}

const sameLines = (expected, actual) =>
  expected.length === actual.length &&
  expected.every((line) =>
    actual.some(
      (row) => row.lineNo === line.lineNo && row.sku === line.sku && row.quantity === line.quantity,
    ),
  )

/**
 * @param {{
 *   initialStock: ReadonlyMap<string, number>,
 *   shop: { stock: ReadonlyMap<string, number>, orders: readonly { id: string }[],
 *     lines: readonly { orderId: string, lineNo: number, sku: string, quantity: number }[] },
 *   acknowledged: ReadonlyMap<string, { lines: readonly { lineNo: number, sku: string, quantity: number }[] }>,
 *   unknown: ReadonlyMap<string, { lines: readonly { lineNo: number, sku: string, quantity: number }[] }>,
 *   notPlaced: ReadonlyMap<string, unknown>,
 * }} input
 * @returns {{ ok: boolean, checks: { name: string, ok: boolean, detail: string }[],
 *   resolved: { committed: string[], absent: string[] } }}
 */
export function checkInvariants({ initialStock, shop, acknowledged, unknown, notPlaced }) {
  const rowsOf = new Map()
  for (const order of shop.orders) rowsOf.set(order.id, (rowsOf.get(order.id) ?? 0) + 1)
  const linesOf = new Map()
  const sold = new Map()
  for (const line of shop.lines) {
    if (!linesOf.has(line.orderId)) linesOf.set(line.orderId, [])
    linesOf.get(line.orderId).push(line)
    sold.set(line.sku, (sold.get(line.sku) ?? 0) + line.quantity)
  }

  // 1. Stock conservation, product by product.
  const stockProblems = []
  for (const [sku, initial] of initialStock) {
    const stock = shop.stock.get(sku)
    const soldQty = sold.get(sku) ?? 0
    if (stock === undefined) stockProblems.push(`${sku} is missing from inventory`)
    else if (stock + soldQty !== initial) {
      stockProblems.push(`${sku}: stock ${stock} + sold ${soldQty} = ${stock + soldQty}, not ${initial}`)
    }
  }
  for (const sku of sold.keys())
    if (!initialStock.has(sku)) stockProblems.push(`${sku} was sold but is not in the catalog`)
  const productsSold = [...initialStock].filter(([sku]) => (sold.get(sku) ?? 0) > 0).length

  // 2. Acknowledged orders: once each, with their lines.
  const ackProblems = []
  for (const [id, order] of acknowledged) {
    const rows = rowsOf.get(id) ?? 0
    if (rows !== 1) ackProblems.push(`order ${id} acknowledged, found ${rows} times`)
    else if (!sameLines(order.lines, linesOf.get(id) ?? [])) {
      ackProblems.push(
        `order ${id} has ${linesOf.get(id)?.length ?? 0} of its ${order.lines.length} lines, or other ones`,
      )
    }
  }

  // 3. Nothing unknown left, nothing that should not be there.
  const unknownProblems = []
  const resolved = { committed: [], absent: [] }
  for (const [id, order] of unknown) {
    const rows = rowsOf.get(id) ?? 0
    const lines = linesOf.get(id) ?? []
    if (rows === 1 && sameLines(order.lines, lines)) resolved.committed.push(id)
    else if (rows === 0 && lines.length === 0) resolved.absent.push(id)
    else
      unknownProblems.push(
        `order ${id} (outcome unknown) is neither whole nor absent: ${rows} rows, ${lines.length} lines`,
      )
  }
  for (const id of rowsOf.keys()) {
    if (notPlaced.has(id)) unknownProblems.push(`order ${id} was reported not placed, but exists`)
    else if (!acknowledged.has(id) && !unknown.has(id))
      unknownProblems.push(`order ${id} exists, but no shopper placed it`)
  }
  for (const id of linesOf.keys())
    if (!rowsOf.has(id)) unknownProblems.push(`lines of order ${id} exist without the order`)

  const checks = [
    {
      name: 'stock + sold = initial, for every product',
      ok: stockProblems.length === 0,
      detail:
        stockProblems.length === 0
          ? `${initialStock.size} products, ${productsSold} of them sold, ${[...sold.values()].reduce((a, b) => a + b, 0)} units`
          : stockProblems.slice(0, 5).join('; '),
    },
    {
      name: 'every acknowledged order exists exactly once, with its lines',
      ok: ackProblems.length === 0,
      detail:
        ackProblems.length === 0
          ? `${acknowledged.size} orders, ${[...acknowledged.values()].reduce((n, o) => n + o.lines.length, 0)} lines`
          : ackProblems.slice(0, 5).join('; '),
    },
    {
      name: 'no order left in an unknown state',
      ok: unknownProblems.length === 0,
      detail:
        unknownProblems.length === 0
          ? unknown.size === 0
            ? 'no shopper was left with an unknown outcome (exactlyOnce settles a COMMIT whose answer was lost)'
            : `${unknown.size} unknown, resolved: ${resolved.committed.length} committed, ${resolved.absent.length} not`
          : unknownProblems.slice(0, 5).join('; '),
    },
  ]
  return { ok: checks.every((check) => check.ok), checks, resolved }
}

/** The demo's exit code for an audit: 0 when every invariant holds, 1 when one broke. */
export function exitCodeOf(result) {
  return result.ok && result.checks.length > 0 && result.checks.every((check) => check.ok) ? 0 : 1
}
