import { describe, expect, it } from 'vitest'
import {
  drizzleSql,
  knexSql,
  kyselySql,
  mikroOrmCreateSql,
  prismaSql,
  sequelizeSyncSql,
  typeormSql,
} from './orm-sql.js'
import { changesOf, statementsOf, transformChecked } from './transform-helpers.js'

// Real schema SQL from each ORM (see orm-sql.ts): what each needs on DSQL, and that the output is
// stable (transformChecked re-parses and re-transforms it).
describe('transform on ORM output', () => {
  it("merges Knex's ALTER TABLE constraints into their new tables and makes its index ASYNC", async () => {
    const result = await transformChecked(knexSql().create)
    expect(result.status).toBe('advisory')
    expect(changesOf(result)).toEqual([
      'advisory serial-to-identity',
      'fixed fold-into-create-table',
      'advisory serial-to-identity',
      'fixed fold-into-create-table',
      'fixed bigserial-to-identity',
      'fixed fold-into-create-table',
      'fixed index-async',
      'fixed fold-into-create-table',
      'fixed fold-into-create-table',
    ])
    expect(result.statements.map((s) => s.sql.split(/[\s(]/, 3).join(' '))).toEqual([
      'CREATE TABLE users',
      'CREATE TABLE products',
      'CREATE TABLE orders',
      'create index ASYNC',
      'CREATE TABLE order_lines',
    ])
    expect(result.statements[4]?.sql).toContain('CONSTRAINT order_lines_order_id_foreign')
  })

  it("splits Knex's altering migration, and reports its NOT NULL column", async () => {
    const result = await transformChecked(knexSql().alter)
    expect(statementsOf(result)).toEqual([
      'alter table "users" add column "nickname" varchar(255)',
      'CREATE UNIQUE INDEX ASYNC users_nickname_unique ON users (nickname) [async]',
      'ALTER TABLE users ADD CONSTRAINT users_nickname_unique UNIQUE USING INDEX users_nickname_unique',
      `alter table "orders" add column "status" varchar(255) not null default 'new'`,
      'create index ASYNC "orders_placed_at_index" on "orders" ("placed_at") [async]',
    ])
    const notNull = result.changes.find((change) => change.rule === 'add-column-not-null')
    expect(notNull).toMatchObject({ severity: 'error', location: { line: 3, column: 55 } })
    expect(notNull?.hint).toMatch(/nullable/)
  })

  it("keeps Kysely's inline references and widens its integer identity", async () => {
    const { create, alter } = kyselySql()
    const created = await transformChecked(create)
    expect(created.status).toBe('advisory')
    expect(changesOf(created)).toContain('advisory identity-type-widened')
    expect(created.statements.filter((s) => s.async).map((s) => s.sql)).toEqual([
      'create index ASYNC "orders_user_id_index" on "orders" ("user_id")',
    ])
    const altered = await transformChecked(alter)
    expect(changesOf(altered)).toEqual([
      'fixed unique-constraint-to-index',
      'advisory add-column-default',
      'advisory index-desc-removed',
      'fixed index-async',
      'fixed constraint-not-valid',
    ])
  })

  it("reads drizzle-kit's breakpoints, merges its foreign keys and drops USING btree", async () => {
    const { create, alter } = await drizzleSql()
    const created = await transformChecked(create)
    expect(created.statements).toHaveLength(6)
    expect(created.changes.filter((c) => c.rule === 'fold-into-create-table')).toHaveLength(3)
    expect(created.statements.slice(4).map((s) => s.sql)).toEqual([
      'CREATE UNIQUE INDEX ASYNC products_sku_idx ON products (sku)',
      'CREATE INDEX ASYNC orders_user_idx ON orders (user_id)',
    ])
    const altered = await transformChecked(alter)
    expect(altered.status).toBe('advisory')
    expect(altered.statements.filter((s) => s.async)).toHaveLength(2)
  })

  it("makes Prisma's unique indexes ASYNC and merges its foreign key", async () => {
    const { create, alter } = prismaSql()
    const created = await transformChecked(create)
    expect(statementsOf(created).slice(3)).toEqual([
      'CREATE UNIQUE INDEX ASYNC "User_email_key" ON "User"("email") [async]',
      'CREATE UNIQUE INDEX ASYNC "Product_sku_key" ON "Product"("sku") [async]',
      'CREATE INDEX ASYNC "Order_userId_idx" ON "Order"("userId") [async]',
    ])
    expect(created.statements[2]?.sql).toContain('CONSTRAINT "Order_userId_fkey"')
    const altered = await transformChecked(alter)
    expect(statementsOf(altered)).toEqual([
      'ALTER TABLE "User" ADD COLUMN     "name" TEXT',
      'ALTER TABLE "Order" ADD COLUMN note text',
      `ALTER TABLE "Order" ALTER COLUMN note SET DEFAULT 'none'`,
      'CREATE INDEX ASYNC "Order_placedAt_idx" ON "Order" ("placedAt") [async]',
      'DROP INDEX "Order_userId_idx"',
    ])
  })

  it("drops TypeORM's extension, rewrites uuid_generate_v4 and names its unique index as it did", async () => {
    const { create, alter } = typeormSql()
    const created = await transformChecked(create)
    expect(changesOf(created)).toEqual([
      'advisory extension',
      'advisory serial-to-identity',
      'fixed uuid-generate-v4',
      'advisory serial-to-identity',
      'fixed index-async',
      'fixed fold-into-create-table',
    ])
    expect(created.statements[1]?.sql).toContain('DEFAULT gen_random_uuid()')
    const altered = await transformChecked(alter)
    expect(statementsOf(altered).slice(1, 3)).toEqual([
      'CREATE UNIQUE INDEX ASYNC "UQ_9d2e5b6a4b3e1f2c3d4e5f6a7b8" ON "user" (nickname) [async]',
      'ALTER TABLE "user" ADD CONSTRAINT "UQ_9d2e5b6a4b3e1f2c3d4e5f6a7b8" UNIQUE USING INDEX "UQ_9d2e5b6a4b3e1f2c3d4e5f6a7b8"',
    ])
    expect(changesOf(altered)).toEqual(['fixed unique-constraint-to-index', 'error add-column-not-null'])
  })

  it("removes MikroORM's SET names and merges its constraints", async () => {
    const result = await transformChecked(await mikroOrmCreateSql())
    expect(changesOf(result)).toEqual([
      'fixed session-setting',
      'advisory serial-to-identity',
      'fixed fold-into-create-table',
      'advisory serial-to-identity',
      'fixed index-async',
      'fixed fold-into-create-table',
    ])
    expect(result.statements).toHaveLength(3)
  })

  it("keeps Sequelize's CREATE TABLE IF NOT EXISTS whole and makes its indexes ASYNC", async () => {
    const result = await transformChecked(sequelizeSyncSql())
    expect(changesOf(result)).toEqual([
      'advisory serial-to-identity',
      'fixed index-async',
      'advisory serial-to-identity',
      'fixed index-async',
    ])
    expect(result.statements[2]?.sql).toContain('REFERENCES "Users" (id)')
  })
})
