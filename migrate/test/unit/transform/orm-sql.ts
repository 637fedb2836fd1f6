import { EntitySchema, MikroORM } from '@mikro-orm/postgresql'
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api'
import { sql as drizzleRaw } from 'drizzle-orm'
import {
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core'
import knexFactory from 'knex'
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely'
import { DataTypes, Sequelize } from 'sequelize'

/**
 * Schema SQL exactly as each ORM writes it, made by the ORM's own builders, offline: an online
 * shop's users, products, orders and order lines, with indexes, a unique constraint and foreign
 * keys, then a second migration that alters them. Prisma, TypeORM and Sequelize's sync need a
 * database (or a downloaded engine) to diff, so theirs are written by hand in their format.
 */
export interface OrmSql {
  readonly create: string
  readonly alter: string
}

export function knexSql(): OrmSql {
  const knex = knexFactory({ client: 'pg' })
  const create = knex.schema
    .createTable('users', (t) => {
      t.increments('id')
      t.string('email').notNullable().unique()
      t.timestamps(true, true)
    })
    .createTable('products', (t) => {
      t.increments('id')
      t.string('sku', 64).notNullable().unique()
      t.decimal('price', 10, 2).notNullable()
    })
    .createTable('orders', (t) => {
      t.bigIncrements('id')
      t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE')
      t.timestamp('placed_at').notNullable().defaultTo(knex.fn.now())
      t.index(['user_id'])
    })
    .createTable('order_lines', (t) => {
      t.bigInteger('order_id').notNullable().references('id').inTable('orders')
      t.integer('product_id').notNullable().references('id').inTable('products')
      t.integer('quantity').notNullable()
      t.primary(['order_id', 'product_id'])
    })
  const alter = knex.schema
    .alterTable('users', (t) => {
      t.string('nickname')
      t.unique(['nickname'])
    })
    .alterTable('orders', (t) => {
      t.string('status').notNullable().defaultTo('new')
      t.index(['placed_at'])
    })
  return { create: statementsOf(create.toSQL()), alter: statementsOf(alter.toSQL()) }
}

function statementsOf(compiled: readonly { sql: string }[]): string {
  return compiled.map((query) => `${query.sql};\n`).join('')
}

export function kyselySql(): OrmSql {
  const db = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  })
  const create = [
    db.schema
      .createTable('users')
      .addColumn('id', 'serial', (c) => c.primaryKey())
      .addColumn('email', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('created_at', 'timestamptz', (c) => c.defaultTo(sql`now()`).notNull()),
    db.schema
      .createTable('products')
      .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addUniqueConstraint('products_sku_unique', ['sku']),
    db.schema
      .createTable('orders')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade').notNull()),
    db.schema
      .createTable('order_lines')
      .addColumn('order_id', 'bigint', (c) => c.notNull())
      .addColumn('product_id', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('order_lines_pkey', ['order_id', 'product_id']),
    db.schema
      .alterTable('order_lines')
      .addForeignKeyConstraint('order_lines_order_fk', ['order_id'], 'orders', ['id']),
    db.schema.createIndex('orders_user_id_index').on('orders').column('user_id'),
  ]
  const alter = [
    db.schema.alterTable('users').addColumn('nickname', 'text'),
    db.schema.alterTable('users').addUniqueConstraint('users_nickname_unique', ['nickname']),
    db.schema.alterTable('orders').addColumn('status', 'text', (c) => c.defaultTo('new')),
    db.schema.createIndex('orders_status_index').on('orders').column('status desc'),
    db.schema
      .alterTable('order_lines')
      .addCheckConstraint('order_lines_product_positive', sql`product_id > 0`),
  ]
  return {
    create: create.map((query) => `${query.compile().sql};\n`).join(''),
    alter: alter.map((query) => `${query.compile().sql};\n`).join(''),
  }
}

/** drizzle-kit's generate, as it writes migration files: statements joined by breakpoints. */
export async function drizzleSql(): Promise<OrmSql> {
  const users = pgTable('users', {
    id: serial('id').primaryKey(),
    email: text('email').notNull().unique(),
    createdAt: timestamp('created_at').defaultNow().notNull(),
  })
  const products = pgTable(
    'products',
    {
      id: uuid('id').defaultRandom().primaryKey(),
      sku: varchar('sku', { length: 64 }).notNull(),
    },
    (t) => [uniqueIndex('products_sku_idx').on(t.sku)],
  )
  const orders = pgTable(
    'orders',
    {
      id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
      userId: integer('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      placedAt: timestamp('placed_at').default(drizzleRaw`now()`).notNull(),
    },
    (t) => [index('orders_user_idx').on(t.userId)],
  )
  const orderLines = pgTable('order_lines', {
    orderId: integer('order_id')
      .notNull()
      .references(() => orders.id),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    quantity: integer('quantity').notNull(),
  })
  const empty = generateDrizzleJson({})
  const first = generateDrizzleJson({ users, products, orders, orderLines }, empty.id)
  const usersV2 = pgTable('users', {
    id: serial('id').primaryKey(),
    email: text('email').notNull().unique(),
    createdAt: timestamp('created_at').defaultNow().notNull(),
    nickname: text('nickname').unique(),
  })
  const ordersV2 = pgTable(
    'orders',
    {
      id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
      userId: integer('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      placedAt: timestamp('placed_at').default(drizzleRaw`now()`).notNull(),
      note: text('note').default('none'),
    },
    (t) => [index('orders_user_idx').on(t.userId), index('orders_placed_idx').on(t.placedAt.desc())],
  )
  const second = generateDrizzleJson({ users: usersV2, products, orders: ordersV2, orderLines }, first.id)
  const join = (statements: string[]) => statements.join('\n--> statement-breakpoint\n')
  return {
    create: join(await generateMigration(empty, first)),
    alter: join(await generateMigration(first, second)),
  }
}

/** Prisma migrate's migration.sql (written by hand: its CLI downloads its schema engine). */
export function prismaSql(): OrmSql {
  return {
    create: `-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Product" (
    "id" TEXT NOT NULL,
    "sku" TEXT NOT NULL,

    CONSTRAINT "Product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "placedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "Product_sku_key" ON "Product"("sku");

-- CreateIndex
CREATE INDEX "Order_userId_idx" ON "Order"("userId");

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
`,
    alter: `-- AlterTable
ALTER TABLE "User" ADD COLUMN     "name" TEXT;

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "note" TEXT DEFAULT 'none';

-- CreateIndex
CREATE INDEX "Order_placedAt_idx" ON "Order"("placedAt" DESC);

-- DropIndex
DROP INDEX "Order_userId_idx";
`,
  }
}

/** TypeORM's migration:generate queries (written by hand: it diffs against a live database). */
export function typeormSql(): OrmSql {
  return {
    create: `CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE TABLE "migrations" ("id" SERIAL NOT NULL, "timestamp" bigint NOT NULL, "name" character varying NOT NULL, CONSTRAINT "PK_8c82d7f526340ab734260ea46be" PRIMARY KEY ("id"));
CREATE TABLE "user" ("id" uuid NOT NULL DEFAULT uuid_generate_v4(), "email" character varying NOT NULL, CONSTRAINT "UQ_e12875dfb3b1d92d7d7c5377e22" UNIQUE ("email"), CONSTRAINT "PK_cace4a159ff9f2512dd42373760" PRIMARY KEY ("id"));
CREATE TABLE "order" ("id" SERIAL NOT NULL, "placedAt" TIMESTAMP NOT NULL DEFAULT now(), "userId" uuid, CONSTRAINT "PK_1031171c13130102495201e3e20" PRIMARY KEY ("id"));
CREATE INDEX "IDX_caabe91507b3379c7ba73637b8" ON "order" ("userId") ;
ALTER TABLE "order" ADD CONSTRAINT "FK_caabe91507b3379c7ba73637b84" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE NO ACTION ON UPDATE NO ACTION;
`,
    alter: `ALTER TABLE "user" ADD "nickname" character varying;
ALTER TABLE "user" ADD CONSTRAINT "UQ_9d2e5b6a4b3e1f2c3d4e5f6a7b8" UNIQUE ("nickname");
ALTER TABLE "order" ADD "total" integer NOT NULL DEFAULT '0';
`,
  }
}

/** MikroORM's schema generator (getCreateSchemaSQL), which runs without a connection. */
export async function mikroOrmCreateSql(): Promise<string> {
  const User = new EntitySchema({
    name: 'User',
    properties: {
      id: { type: 'number', primary: true },
      email: { type: 'string', unique: true },
    },
  })
  const Order = new EntitySchema({
    name: 'Order',
    tableName: 'orders',
    properties: {
      id: { type: 'number', primary: true },
      placedAt: { type: 'Date', index: true },
      user: { kind: 'm:1', entity: () => User },
    },
  })
  // MikroORM 7 connects on first use; the schema generator reads only metadata.
  const orm = new MikroORM({
    entities: [User, Order],
    dbName: 'offline',
    host: '127.0.0.1',
    port: 1,
    debug: false,
  })
  return orm.schema.getCreateSchemaSQL()
}

/** Sequelize's sync() SQL, from its query generator (sync runs these against a connection). */
export function sequelizeSyncSql(): string {
  const sequelize = new Sequelize('postgres://offline@127.0.0.1:1/offline', { logging: false })
  const User = sequelize.define(
    'User',
    {
      id: { type: DataTypes.INTEGER, autoIncrement: true, primaryKey: true },
      email: { type: DataTypes.STRING, unique: true, allowNull: false },
    },
    { indexes: [{ fields: ['createdAt'] }] },
  )
  const Order = sequelize.define(
    'Order',
    { total: DataTypes.DECIMAL(10, 2) },
    { indexes: [{ fields: ['total'] }] },
  )
  Order.belongsTo(User)
  const generator = sequelize.getQueryInterface().queryGenerator as unknown as SequelizeGenerator
  return [User, Order]
    .flatMap((model) => {
      const table = model.getTableName()
      const attributes = generator.attributesToSQL(model.getAttributes(), { table, context: 'createTable' })
      const indexes = (model.options.indexes ?? []).map(
        (options) => `${generator.addIndexQuery(table, options)};`,
      )
      return [generator.createTableQuery(table, attributes, model.options), ...indexes]
    })
    .join('\n')
}

interface SequelizeGenerator {
  attributesToSQL(attributes: unknown, options: unknown): Record<string, string>
  createTableQuery(table: unknown, attributes: Record<string, string>, options: unknown): string
  addIndexQuery(table: unknown, options: unknown): string
}
