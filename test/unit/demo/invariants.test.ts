import { describe, expect, it } from 'vitest'
import {
  checkInvariants,
  exitCodeOf,
  type LedgerOrder,
  type ShopLine,
  type ShopState,
} from '../../../examples/ecommerce/invariants.mjs'

/**
 * The demo's end-of-run audit, on a small shop built the way the demo builds one: a catalog's
 * initial stock, orders applied to it, the database's rows as readShop returns them, and the
 * shoppers' ledgers. A consistent shop passes; each way a shop can be broken fails the invariant
 * it breaks, and gives exit code 1.
 */

const initialStock = new Map([
  ['sku-0001', 10],
  ['sku-0002', 5],
  ['sku-0003', 100],
])

interface Placed {
  readonly id: string
  readonly lines: readonly { lineNo: number; sku: string; quantity: number }[]
}

const orders: Placed[] = [
  { id: 'a', lines: [{ lineNo: 1, sku: 'sku-0001', quantity: 2 }] },
  {
    id: 'b',
    lines: [
      { lineNo: 1, sku: 'sku-0001', quantity: 1 },
      { lineNo: 2, sku: 'sku-0002', quantity: 2 },
    ],
  },
  { id: 'c', lines: [{ lineNo: 1, sku: 'sku-0003', quantity: 1 }] },
  // Its COMMIT answer was lost; it did commit.
  { id: 'd', lines: [{ lineNo: 1, sku: 'sku-0002', quantity: 1 }] },
]

/** The database after `committed` orders were placed against initialStock. */
function shopAfter(committed: readonly Placed[]): {
  stock: Map<string, number>
  orders: { id: string }[]
  lines: ShopLine[]
} {
  const stock = new Map(initialStock)
  const lines: ShopLine[] = []
  for (const order of committed) {
    for (const line of order.lines) {
      stock.set(line.sku, (stock.get(line.sku) ?? 0) - line.quantity)
      lines.push({ orderId: order.id, ...line })
    }
  }
  return { stock, orders: committed.map(({ id }) => ({ id })), lines }
}

function ledgers() {
  const [a, b, c, d] = orders as [Placed, Placed, Placed, Placed]
  return {
    acknowledged: new Map<string, LedgerOrder>([
      [a.id, a],
      [b.id, b],
      [c.id, c],
    ]),
    unknown: new Map<string, LedgerOrder>([
      [d.id, d],
      // Lost too, and never committed.
      ['e', { lines: [{ lineNo: 1, sku: 'sku-0003', quantity: 3 }] }],
    ]),
    // Out of stock or failed: nothing written.
    notPlaced: new Map<string, unknown>([['f', { lines: [{ lineNo: 1, sku: 'sku-0002', quantity: 9 }] }]]),
  }
}

const audit = (shop: ShopState) => checkInvariants({ initialStock, shop, ...ledgers() })

describe('checkInvariants', () => {
  it('passes a consistent shop and resolves each unknown order as committed or absent', () => {
    const result = audit(shopAfter(orders))
    expect(result.checks.map((check) => check.ok)).toEqual([true, true, true])
    expect(result.ok).toBe(true)
    expect(result.resolved).toEqual({ committed: ['d'], absent: ['e'] })
    expect(result.checks[2]?.detail).toBe('2 unknown, resolved: 1 committed, 1 not')
    expect(exitCodeOf(result)).toBe(0)
  })

  // [what is broken, the index of the check that must fail, its detail, the broken shop]
  const broken: [string, number, RegExp, () => ShopState][] = [
    [
      'a lost decrement (sold but stock unchanged)',
      0,
      /sku-0002: stock 3 \+ sold 3 = 6, not 5/,
      () => {
        const shop = shopAfter(orders)
        shop.stock.set('sku-0002', (shop.stock.get('sku-0002') ?? 0) + 1)
        return shop
      },
    ],
    [
      'a product missing from inventory',
      0,
      /sku-0003 is missing from inventory/,
      () => {
        const shop = shopAfter(orders)
        shop.stock.delete('sku-0003')
        return shop
      },
    ],
    [
      'an acknowledged order that is not there',
      1,
      /order c acknowledged, found 0 times/,
      // Its stock is back too, so only the missing order is wrong.
      () => shopAfter(orders.filter((order) => order.id !== 'c')),
    ],
    [
      'an acknowledged order stored twice',
      1,
      /order a acknowledged, found 2 times/,
      () => {
        const shop = shopAfter(orders)
        shop.orders.push({ id: 'a' })
        return shop
      },
    ],
    [
      'an acknowledged order missing one of its lines',
      1,
      /order b has 1 of its 2 lines/,
      () => {
        const shop = shopAfter(orders)
        const at = shop.lines.findIndex((line) => line.orderId === 'b' && line.lineNo === 2)
        shop.lines.splice(at, 1)
        shop.stock.set('sku-0002', (shop.stock.get('sku-0002') ?? 0) + 2)
        return shop
      },
    ],
    [
      'an unknown order half there (the order without its lines)',
      2,
      /order e \(outcome unknown\) is neither whole nor absent: 1 rows, 0 lines/,
      () => {
        const shop = shopAfter(orders)
        shop.orders.push({ id: 'e' })
        return shop
      },
    ],
    [
      'an order the shopper was told was not placed',
      2,
      /order f was reported not placed, but exists/,
      () => shopAfter([...orders, { id: 'f', lines: [{ lineNo: 1, sku: 'sku-0002', quantity: 1 }] }]),
    ],
    [
      'an order nobody placed',
      2,
      /order zz exists, but no shopper placed it/,
      () => shopAfter([...orders, { id: 'zz', lines: [{ lineNo: 1, sku: 'sku-0003', quantity: 1 }] }]),
    ],
    [
      'lines without their order',
      2,
      /lines of order g exist without the order/,
      () => {
        const shop = shopAfter(orders)
        shop.lines.push({ orderId: 'g', lineNo: 1, sku: 'sku-0003', quantity: 1 })
        shop.stock.set('sku-0003', (shop.stock.get('sku-0003') ?? 0) - 1)
        return shop
      },
    ],
  ]

  it.each(broken)('fails on %s, names it, and gives exit code 1', (_, index, detail, make) => {
    const result = audit(make())
    expect(result.ok).toBe(false)
    expect(result.checks.filter((check) => !check.ok).map((check) => check.name)).toEqual([
      result.checks[index]?.name,
    ])
    expect(result.checks[index]?.detail).toMatch(detail)
    expect(exitCodeOf(result)).toBe(1)
  })
})

describe('exitCodeOf', () => {
  it('is 1 for an audit with no checks at all', () => {
    expect(exitCodeOf({ ok: true, checks: [], resolved: { committed: [], absent: [] } })).toBe(1)
  })
})
