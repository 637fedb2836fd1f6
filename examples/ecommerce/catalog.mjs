// The shop's data, made from a seed so every run sells the same catalog: products in categories,
// a few hot products with little stock (they sell out and draw the conflicts), customers, and the
// orders shoppers put together. Pure: randomness comes in as `random`.

export const CATEGORIES = Object.freeze([
  'audio',
  'books',
  'garden',
  'kitchen',
  'outdoor',
  'phones',
  'toys',
  'video',
])
const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Pro', 'Smart', 'Travel', 'Ultra']
const PLENTY = 100_000

/** A small fast PRNG (mulberry32): the same seed gives the same shop. @param {number} seed */
export function seededRandom(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * @param {{ products?: number, hotProducts?: number, hotStock: number, customers?: number,
 *   random: () => number }} options
 */
export function makeCatalog({ products = 200, hotProducts = 8, hotStock, customers = 500, random }) {
  const items = Array.from({ length: products }, (_, i) => {
    const category = CATEGORIES[i % CATEGORIES.length]
    const hot = i < hotProducts
    return Object.freeze({
      sku: `sku-${String(i + 1).padStart(4, '0')}`,
      name: `${ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]} ${category} item ${i + 1}`,
      category,
      priceCents: 199 + Math.floor(random() * 20_000),
      hot,
      initialStock: hot ? hotStock : PLENTY,
    })
  })
  return Object.freeze({
    products: Object.freeze(items),
    hot: Object.freeze(items.filter((item) => item.hot)),
    regular: Object.freeze(items.filter((item) => !item.hot)),
    customers: Object.freeze(
      Array.from({ length: customers }, (_, i) => `cust-${String(i + 1).padStart(5, '0')}`),
    ),
  })
}

/** @template T @param {readonly T[]} list @param {() => number} random @returns {T} */
export function pick(list, random) {
  return list[Math.floor(random() * list.length)]
}

/**
 * One basket: 1 to 3 distinct products, a hot one in about 30 % of lines, 1 or 2 of each, in SKU
 * order (so two orders touch shared rows in the same order).
 * @param {ReturnType<typeof makeCatalog>} catalog @param {() => number} random @param {string} id
 */
export function makeOrder(catalog, random, id) {
  const wanted = 1 + Math.floor(random() * 3)
  const chosen = new Map()
  while (chosen.size < wanted) {
    const product = random() < 0.3 ? pick(catalog.hot, random) : pick(catalog.regular, random)
    chosen.set(product.sku, product)
  }
  const lines = [...chosen.values()]
    .sort((a, b) => (a.sku < b.sku ? -1 : 1))
    .map((product, index) =>
      Object.freeze({
        lineNo: index + 1,
        sku: product.sku,
        quantity: 1 + Math.floor(random() * 2),
        priceCents: product.priceCents,
      }),
    )
  return Object.freeze({
    id,
    customerId: pick(catalog.customers, random),
    lines: Object.freeze(lines),
    totalCents: lines.reduce((sum, line) => sum + line.quantity * line.priceCents, 0),
  })
}
