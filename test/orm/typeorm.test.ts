import {
  DataSource,
  type DataSourceOptions,
  type EntityManager,
  EntitySchema,
  QueryFailedError,
  Table,
} from 'typeorm'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import {
  classifyError,
  createDsqlPg,
  DsqlAuthError,
  type DsqlEvent,
  type DsqlPool,
  type DsqlPoolConfig,
  isOccError,
  retryTransaction,
  TransactionMisuseError,
} from '../../src/index.js'
import { dsqlTransaction } from '../../src/orm/typeorm.js'
import { connectionsRemoved, ofType, rejectionOf } from './support/orm-events.js'
import { type OrmHarness, ormHarness } from './support/orm-harness.js'

// The README's recipe: TypeORM builds its pool from `driver: createDsqlPg(options)`, with
// `installExtensions: false` (DSQL has no CREATE EXTENSION). Entities are EntitySchemas, so no
// decorators are needed.

interface Item {
  id: string
  name: string
  qty: number
}

let h: OrmHarness
let table: string
const opened: DataSource[] = []

function itemSchema(tableName: string): EntitySchema<Item> {
  return new EntitySchema<Item>({
    name: 'Item',
    tableName,
    columns: {
      id: { type: 'uuid', primary: true, generated: 'uuid' },
      name: { type: 'text' },
      qty: { type: 'int' },
    },
  })
}

async function connect(
  defaults: DsqlPoolConfig = h.options(),
  extra: Partial<DataSourceOptions> = {},
): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    driver: createDsqlPg(defaults),
    installExtensions: false,
    entities: [itemSchema(table)],
    ...extra,
  } as DataSourceOptions)
  opened.push(dataSource)
  return dataSource.initialize()
}

/** The pool TypeORM built from `driver.Pool` (a DsqlPool): TypeORM keeps it as `driver.master`. */
function poolOf(dataSource: DataSource): DsqlPool {
  return (dataSource.driver as unknown as { master: DsqlPool }).master
}

beforeAll(async () => {
  h = await ormHarness()
  table = h.table('typeorm_items')
  await h.ddl(
    `CREATE TABLE ${table} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, qty int NOT NULL)`,
  )
})

afterAll(async () => {
  for (const dataSource of opened) if (dataSource.isInitialized) await dataSource.destroy()
  await h?.stop()
})

describe('TypeORM 1.1 over createDsqlPg', () => {
  it('creates, reads, updates and deletes rows through a repository on a DSQL table', async () => {
    const items = (await connect()).getRepository<Item>('Item')
    const created = await items.save({ name: 'crud', qty: 1 })
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(await items.findOneBy({ id: created.id })).toEqual(created)
    await items.save({ ...created, qty: 5 })
    expect(await items.findOneBy({ id: created.id })).toEqual({ ...created, qty: 5 })
    await items.delete({ id: created.id })
    expect(await items.findOneBy({ id: created.id })).toBeNull()
  })

  it('commits dataSource.transaction once through two conflicts with dsqlTransaction', async () => {
    const dataSource = await connect()
    const events: DsqlEvent[] = []
    const attempts: number[] = []
    h.conflictOnNextCommits(2)
    const saved = await dsqlTransaction(
      dataSource,
      async (manager, { attempt }) => {
        attempts.push(attempt)
        return manager.save('Item', { name: 'transaction', qty: attempt })
      },
      { onEvent: (event) => events.push(event) },
    )
    expect(attempts).toEqual([1, 2, 3])
    expect(saved).toMatchObject({ name: 'transaction', qty: 3 })
    expect(await dataSource.getRepository<Item>('Item').findBy({ name: 'transaction' })).toEqual([saved])
    expect(ofType(events, 'retry').map((event) => event.attempt)).toEqual([1, 2])
    expect(ofType(events, 'occ.conflict')).toHaveLength(2)
    expect(events.at(-1)).toMatchObject({ type: 'transaction', outcome: 'committed', attempts: 3 })
  })

  it("types the callback with TypeORM's EntityManager, read off the DataSource", async () => {
    const dataSource = await connect()
    await dsqlTransaction(dataSource, async (manager) => {
      expectTypeOf(manager).toEqualTypeOf<EntityManager>()
    })
    expectTypeOf(dsqlTransaction(dataSource, async () => 1)).resolves.toBeNumber()
  })

  it('commits repository.save() once through a conflict when wrapped in retryTransaction', async () => {
    const items = (await connect()).getRepository<Item>('Item')
    const item: Partial<Item> = { name: 'save', qty: 1 }
    let attempts = 0
    h.conflictOnNextCommits(1)
    await retryTransaction(() => {
      attempts++
      return items.save(item)
    })
    expect(attempts).toBe(2)
    expect(await items.findBy({ name: 'save' })).toEqual([{ id: item.id, name: 'save', qty: 1 }])

    // An update is recomputed on the retry: TypeORM reloads the row to compare, it tracks nothing.
    h.conflictOnNextCommits(1)
    await retryTransaction(() => items.save({ ...item, qty: 2 }))
    expect(await items.findBy({ name: 'save' })).toEqual([{ id: item.id, name: 'save', qty: 2 }])
  })

  it('commits repository.save() once through two conflicts inside dsqlTransaction', async () => {
    const dataSource = await connect()
    const items = dataSource.getRepository<Item>('Item')
    h.conflictOnNextCommits(2)
    await dsqlTransaction(dataSource, (manager) =>
      manager.withRepository(items).save({ name: 'joined', qty: 1 }),
    )
    expect(await items.countBy({ name: 'joined' })).toBe(1)
  })

  it.each([
    {
      form: 'dataSource.transaction()',
      name: 'raw-transaction',
      run: (dataSource: DataSource, name: string) =>
        dataSource.transaction((manager) => manager.save('Item', { name, qty: 1 })),
    },
    {
      form: 'repository.save()',
      name: 'raw-save',
      run: (dataSource: DataSource, name: string) =>
        dataSource.getRepository<Item>('Item').save({ name, qty: 1 }),
    },
  ])('rejects $form without a wrapper with a QueryFailedError read as occ-data', async ({ name, run }) => {
    const dataSource = await connect()
    h.conflictOnNextCommits(1)
    const error = await rejectionOf(run(dataSource, name))
    expect(error).toBeInstanceOf(QueryFailedError)
    expect(error).toMatchObject({ query: 'COMMIT', driverError: { code: '40001' } })
    expect(isOccError(error)).toBe(true)
    expect(classifyError(error)).toBe('occ-data')
    expect(await dataSource.getRepository<Item>('Item').countBy({ name })).toBe(0)
  })

  it("fails a nested manager.transaction() with DSQL's SAVEPOINT refusal (0A000), not retried", async () => {
    const dataSource = await connect()
    let attempts = 0
    const error = await rejectionOf(
      dsqlTransaction(dataSource, async (manager) => {
        attempts++
        await manager.save('Item', { name: 'nested', qty: 1 })
        return manager.transaction((inner) => inner.count('Item'))
      }),
    )
    expect(error).toBeInstanceOf(QueryFailedError)
    expect(error).toMatchObject({
      driverError: { code: '0A000', message: 'unsupported transaction statement: SAVEPOINT' },
    })
    expect(classifyError(error)).toBe('permanent')
    expect(attempts).toBe(1)
    expect(await dataSource.getRepository<Item>('Item').countBy({ name: 'nested' })).toBe(0)
  })

  it('refuses an entity manager already inside a transaction before running anything', async () => {
    const dataSource = await connect()
    let ran = false
    const error = await rejectionOf(
      dataSource.transaction((manager) =>
        dsqlTransaction(manager, async () => {
          ran = true
        }),
      ),
    )
    expect(error).toBeInstanceOf(TransactionMisuseError)
    expect(ran).toBe(false)
  })

  it('signs at most one token per endpoint across 200 queries on new connections', async () => {
    const heard = h.events.length
    const items = (await connect(h.options(), { poolSize: 4 })).getRepository<Item>('Item')
    for (let round = 0; round < 25; round++) {
      await Promise.all(Array.from({ length: 8 }, () => items.count()))
    }
    const window = h.events.slice(heard)
    const endpoints = ofType(window, 'token.issued').map((event) => event.endpoint)
    // Each new connection would need a token; pg-dsql signs one per endpoint and caches it.
    expect(ofType(window, 'connect').length).toBeGreaterThan(1)
    expect(endpoints).toEqual([...new Set(endpoints)])
  })

  it("keeps working after DSQL's connection-age cap closes every session", async () => {
    const dataSource = await connect(h.options(), { poolSize: 2 })
    const items = dataSource.getRepository<Item>('Item')
    const pool = poolOf(dataSource)
    await Promise.all([items.count(), items.count()])
    const idle = pool.idleCount
    expect(idle).toBe(2)
    const heard = h.events.length
    const removed = connectionsRemoved(pool, idle)
    h.expireConnections()
    await removed
    expect(pool.totalCount).toBe(0)

    const created = await items.save({ name: 'after-expiry', qty: 1 })
    await dsqlTransaction(dataSource, (manager) => manager.update('Item', { id: created.id }, { qty: 2 }))
    const reads = await Promise.all([
      items.findOneBy({ id: created.id }),
      items.countBy({ name: 'after-expiry' }),
    ])
    expect(reads).toEqual([{ ...created, qty: 2 }, 1])
    expect(ofType(h.events.slice(heard), 'connect').length).toBeGreaterThan(0)
  })
})

describe('TypeORM options through createDsqlPg', () => {
  let role: string

  beforeAll(async () => {
    // A role DSQL maps to the emulator's IAM principal: a connection as it runs as it.
    role = h.table('typeorm_app')
    await h.ddl(
      `CREATE ROLE ${role} WITH LOGIN`,
      `AWS IAM GRANT ${role} TO '${h.emulator.credentials.arn}'`,
      `GRANT SELECT ON ${table} TO ${role}`,
    )
  })

  it('runs as the username TypeORM is given', async () => {
    const dataSource = await connect(h.options(), { username: role })
    expect(await dataSource.query('SELECT current_user AS "user"')).toEqual([{ user: role }])
  })

  it('runs as the role given to createDsqlPg when TypeORM is given no username', async () => {
    const dataSource = await connect(h.options({ user: role }))
    expect(await dataSource.query('SELECT current_user AS "user"')).toEqual([{ user: role }])
  })

  it('is refused as a username DSQL does not know, never falling back to admin', async () => {
    const error = await rejectionOf(connect(h.options(), { username: 'no_such_role' }))
    expect(error).toBeInstanceOf(DsqlAuthError)
    expect((error as Error).message).toContain('"no_such_role"')
  })

  it.each([
    { from: 'poolSize', defaults: {}, extra: { poolSize: 2 }, max: 2 },
    { from: 'extra.max', defaults: {}, extra: { extra: { max: 3 } }, max: 3 },
    { from: "createDsqlPg's max", defaults: { max: 4 }, extra: {}, max: 4 },
  ])('opens at most $max connections when the size comes from $from', async ({ defaults, extra, max }) => {
    const dataSource = await connect(h.options(defaults), extra)
    const pool = poolOf(dataSource)
    expect(pool.options.max).toBe(max)
    // More concurrent queries than connections: a pool of 10 would open one for each.
    await Promise.all(Array.from({ length: 8 }, () => dataSource.query('SELECT 1')))
    expect(pool.totalCount).toBe(max)
  })
})

describe("TypeORM's schema tools on DSQL", () => {
  it('fails synchronize with two new tables: DSQL runs one DDL statement per transaction', async () => {
    const entities = ['A', 'B'].map(
      (name) => new EntitySchema<Item>({ ...itemSchema(h.table('typeorm_sync')).options, name }),
    )
    const error = await rejectionOf(
      connect(h.options(), { entities, synchronize: true, uuidExtension: 'pgcrypto' }),
    )
    expect(error).toBeInstanceOf(QueryFailedError)
    expect(error).toMatchObject({
      driverError: { code: '0A000', message: 'multiple ddl statements not supported in a transaction' },
    })
  })

  /** TypeORM's CREATE TABLE for the item entity, as synchronize and generated migrations write it. */
  async function createItemTable(uuidExtension?: 'pgcrypto'): Promise<DataSource> {
    const schema = itemSchema(h.table('typeorm_uuid'))
    const dataSource = await connect(h.options(), { entities: [schema], uuidExtension })
    const runner = dataSource.createQueryRunner()
    try {
      await runner.createTable(Table.create(dataSource.getMetadata(schema), dataSource.driver))
    } finally {
      await runner.release()
    }
    return dataSource
  }

  it("fails to create a uuid-keyed table with TypeORM's default uuid_generate_v4(), which DSQL lacks", async () => {
    const error = await rejectionOf(createItemTable())
    expect(error).toBeInstanceOf(QueryFailedError)
    expect(error).toMatchObject({
      driverError: { code: '42883', message: 'function uuid_generate_v4() does not exist' },
    })
    expect((error as QueryFailedError).query).toContain('DEFAULT uuid_generate_v4()')
  })

  it("creates a uuid-keyed table with gen_random_uuid() under uuidExtension: 'pgcrypto', and DSQL fills the key", async () => {
    const dataSource = await createItemTable('pgcrypto')
    const saved = await dataSource.getRepository<Item>('Item').save({ name: 'pgcrypto', qty: 1 })
    expect(saved.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  })
})
