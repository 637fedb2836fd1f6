import { expect } from 'vitest'
import type { CatalogSnapshot } from './catalog.js'

/**
 * The schema every ORM test builds with its own tooling, in two migrations:
 *
 * `created` (from an empty database): customers, products, orders and order_items, each keyed by
 * `id`; unique customers.email and products.sku; indexes on orders.customer_id and
 * order_items.order_id; foreign keys orders.customer_id → customers.id and
 * order_items.order_id → orders.id.
 *
 * `altered` (the second migration): customers gains `phone` (unique), products loses
 * `description`, orders gains an index on `status`, and order_items.product_id gains a foreign key
 * to products.id on a table that already exists.
 */
export type EcommerceStage = 'created' | 'altered'

export const ECOMMERCE_TABLES = ['customers', 'products', 'orders', 'order_items'] as const

/** An ORM-neutral view of the catalog: names the ORM chose (indexes, constraints) left out. */
export interface EcommerceShape {
  readonly columns: Readonly<Record<string, readonly string[]>>
  readonly primaryKeys: readonly string[]
  readonly unique: readonly string[]
  readonly indexes: readonly string[]
  readonly foreignKeys: readonly string[]
  /** Indexes left invalid (an async build not finished or failed): none, after a migration. */
  readonly invalidIndexes: readonly string[]
}

const sorted = (values: Iterable<string>) => [...values].sort()

/** The catalog seen as the e-commerce shape: `table(col, …)` strings, sorted. */
export function ecommerceShape(snapshot: CatalogSnapshot): EcommerceShape {
  const on = (table: string, columns: readonly string[]) => `${table}(${columns.join(', ')})`
  const ours = (table: string) => (ECOMMERCE_TABLES as readonly string[]).includes(table)
  const indexes = snapshot.indexes.filter((index) => ours(index.table))
  return {
    columns: Object.fromEntries(
      ECOMMERCE_TABLES.map((table) => [table, sorted(Object.keys(snapshot.tables[table] ?? {}))]),
    ),
    primaryKeys: sorted(indexes.filter((i) => i.primary).map((i) => on(i.table, i.columns))),
    unique: sorted(new Set(indexes.filter((i) => i.unique && !i.primary).map((i) => on(i.table, i.columns)))),
    indexes: sorted(indexes.filter((i) => !i.unique).map((i) => on(i.table, i.columns))),
    foreignKeys: sorted(
      snapshot.constraints
        .filter((c) => c.type === 'f' && ours(c.table))
        .map(
          (c) =>
            `${on(c.table, c.columns)} -> ${on(c.references ?? '?', c.referencedColumns ?? [])}` +
            (c.validated ? '' : ' NOT VALID'),
        ),
    ),
    invalidIndexes: sorted(indexes.filter((i) => !i.valid).map((i) => i.name)),
  }
}

const CREATED = {
  columns: {
    customers: ['created_at', 'email', 'id', 'name'],
    products: ['description', 'id', 'name', 'price_cents', 'sku'],
    orders: ['created_at', 'customer_id', 'id', 'status'],
    order_items: ['id', 'order_id', 'product_id', 'quantity'],
  },
  unique: ['customers(email)', 'products(sku)'],
  indexes: ['order_items(order_id)', 'orders(customer_id)'],
  foreignKeys: ['order_items(order_id) -> orders(id)', 'orders(customer_id) -> customers(id)'],
}

const ALTERED = {
  columns: {
    ...CREATED.columns,
    customers: ['created_at', 'email', 'id', 'name', 'phone'],
    products: ['id', 'name', 'price_cents', 'sku'],
  },
  unique: ['customers(email)', 'customers(phone)', 'products(sku)'],
  indexes: [...CREATED.indexes, 'orders(status)'],
  foreignKeys: sorted([...CREATED.foreignKeys, 'order_items(product_id) -> products(id)']),
}

/**
 * Checks the catalog holds the e-commerce schema at `stage`. Non-unique indexes are checked as a
 * floor, since some ORMs index every foreign key of their own accord; everything else is exact.
 */
export function expectEcommerceSchema(snapshot: CatalogSnapshot, stage: EcommerceStage): void {
  const expected = stage === 'created' ? CREATED : ALTERED
  const shape = ecommerceShape(snapshot)
  expect({ ...shape, indexes: undefined }).toEqual({
    columns: expected.columns,
    primaryKeys: sorted(ECOMMERCE_TABLES.map((table) => `${table}(id)`)),
    unique: sorted(expected.unique),
    indexes: undefined,
    foreignKeys: sorted(expected.foreignKeys),
    invalidIndexes: [],
  })
  expect(shape.indexes).toEqual(expect.arrayContaining(expected.indexes))
}
