import { randomUUID } from 'node:crypto'
import type { EntityManager, MikroORM, Options } from '@mikro-orm/postgresql'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  classifyError,
  createDsqlPg,
  DsqlAuthError,
  type DsqlEvent,
  type DsqlPoolConfig,
  isOccError,
  TransactionMisuseError,
} from '../../src/index.js'
import { dsqlFlush, dsqlTransactional } from '../../src/orm/mikro-orm.js'
import { type OrmHarness, ormHarness } from './support/orm-harness.js'

// MikroORM 7 builds `new pg.Pool(options)` itself and merges `driverOptions` into those options,
// so pg-dsql comes in as the pool's Client class: `driverOptions: { Client: createDsqlPg().Client }`.
// MikroORM 7 needs Node 22 or later.
const nodeMajor = Number(process.versions.node.split('.')[0])

describe.runIf(nodeMajor >= 22)('MikroORM over pg-dsql', () => {
  let h: OrmHarness
  let table: string
  let mikro: typeof import('@mikro-orm/postgresql')
  let Item: ReturnType<typeof defineItem>
  const opened: MikroORM[] = []

  function defineItem(core: typeof import('@mikro-orm/core'), tableName: string) {
    const { defineEntity, p } = core
    return defineEntity({
      name: 'Item',
      tableName,
      properties: {
        // DSQL has no sequences for `serial`: the key is a UUID made on the client.
        id: p
          .uuid()
          .primary()
          .onCreate(() => randomUUID()),
        name: p.string(),
        qty: p.integer(),
      },
    })
  }

  async function connect(
    options: DsqlPoolConfig = h.options(),
    extra: Partial<Options> = {},
    Client = createDsqlPg(options).Client,
  ): Promise<MikroORM> {
    const orm = await mikro.MikroORM.init({
      entities: [Item],
      dbName: 'postgres',
      // MikroORM's default user is `postgres`, from its default clientUrl: name the DSQL role.
      user: 'admin',
      driverOptions: { Client },
      ...extra,
    })
    opened.push(orm)
    return orm
  }

  const ofType = (events: readonly DsqlEvent[], type: DsqlEvent['type']) =>
    events.filter((event) => event.type === type)

  const count = (orm: MikroORM, name: string) => orm.em.fork().count(Item, { name })

  beforeAll(async () => {
    h = await ormHarness()
    table = h.table('mikro_items')
    await h.ddl(`CREATE TABLE ${table} (id uuid PRIMARY KEY, name text NOT NULL, qty int NOT NULL)`)
    mikro = await import('@mikro-orm/postgresql')
    Item = defineItem(await import('@mikro-orm/core'), table)
  })

  afterAll(async () => {
    await Promise.all(opened.map((orm) => orm.close()))
    await h?.stop()
  })

  it('creates, reads, updates and deletes entities through the EntityManager on a DSQL table', async () => {
    const orm = await connect()
    const em = orm.em.fork()
    const created = em.create(Item, { name: 'crud', qty: 1 })
    await em.flush()
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const read = await orm.em.fork().findOneOrFail(Item, { id: created.id })
    expect({ name: read.name, qty: read.qty }).toEqual({ name: 'crud', qty: 1 })
    created.qty = 5
    await em.flush()
    expect((await orm.em.fork().findOneOrFail(Item, { id: created.id })).qty).toBe(5)
    em.remove(created)
    await em.flush()
    expect(await orm.em.fork().findOne(Item, { id: created.id })).toBeNull()
  })

  it('commits em.transactional once through dsqlTransactional after two conflicts', async () => {
    const orm = await connect()
    const name = `tx-${randomUUID()}`
    const events: DsqlEvent[] = []
    const attempts: number[] = []
    h.conflictOnNextCommits(2)
    const created = await dsqlTransactional(
      orm.em.fork(),
      (em, { attempt }) => {
        attempts.push(attempt)
        return em.create(Item, { name, qty: 1 })
      },
      { onEvent: (event) => events.push(event) },
    )
    expect(attempts).toEqual([1, 2, 3])
    expect(await count(orm, name)).toBe(1)
    expect((await orm.em.fork().findOneOrFail(Item, { name })).id).toBe(created.id)
    expect(ofType(events, 'retry')).toHaveLength(2)
    expect(ofType(events, 'occ.conflict')).toHaveLength(2)
    expect(ofType(events, 'transaction')).toEqual([
      expect.objectContaining({ outcome: 'committed', attempts: 3 }),
    ])
  })

  it('loads afresh on every attempt, so a decrement that met two conflicts applies once', async () => {
    const orm = await connect()
    const em = orm.em.fork()
    const item = em.create(Item, { name: `stock-${randomUUID()}`, qty: 10 })
    await em.flush()
    // `item` sits in em's identity map; an attempt that reused it would decrement its own lost write.
    h.conflictOnNextCommits(2)
    await dsqlTransactional(em, async (tx) => {
      const stock = await tx.findOneOrFail(Item, { id: item.id })
      stock.qty -= 1
    })
    expect((await orm.em.fork().findOneOrFail(Item, { id: item.id })).qty).toBe(9)
    expect(item.qty).toBe(9)
  })

  it('writes nothing when a plain em.flush() that met a conflict is called again', async () => {
    const orm = await connect()
    const em = orm.em.fork()
    const name = `reflush-${randomUUID()}`
    em.create(Item, { name, qty: 1 })
    h.conflictOnNextCommits(1)
    const error = await em.flush().catch((caught: unknown) => caught)
    expect(isOccError(error)).toBe(true)
    await em.flush()
    expect(await count(orm, name)).toBe(0)
  })

  it('commits the changes and the flush once through dsqlFlush after two conflicts, merged into em', async () => {
    const orm = await connect()
    const em = orm.em.fork()
    const name = `flush-${randomUUID()}`
    const events: DsqlEvent[] = []
    h.conflictOnNextCommits(2)
    const created = await dsqlFlush(em, (fork) => fork.create(Item, { name, qty: 1 }), {
      onEvent: (event) => events.push(event),
    })
    expect(await count(orm, name)).toBe(1)
    expect(ofType(events, 'retry')).toHaveLength(2)
    expect(ofType(events, 'transaction')).toEqual([
      expect.objectContaining({ outcome: 'committed', attempts: 3 }),
    ])
    // MikroORM merged the entity into em: a change to it and em.flush() update the row.
    created.qty = 2
    await em.flush()
    expect((await orm.em.fork().findOneOrFail(Item, { name })).qty).toBe(2)
  })

  it("rejects a conflicting COMMIT with pg's error, which isOccError and classifyError read as a data conflict", async () => {
    const orm = await connect()
    const name = `bare-${randomUUID()}`
    h.conflictOnNextCommits(1)
    const error = await orm.em
      .fork()
      .transactional((em) => {
        em.create(Item, { name, qty: 1 })
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(pg.DatabaseError)
    expect(isOccError(error)).toBe(true)
    expect(classifyError(error)).toBe('occ-data')
    expect(await count(orm, name)).toBe(0)
  })

  it('throws a DriverException for a conflicting statement, which isOccError and classifyError read', async () => {
    const { DriverException } = await import('@mikro-orm/core')
    // Autocommit retries off, so the statement's own conflict reaches MikroORM's converter.
    const orm = await connect(h.options({ retry: { autocommit: false } }))
    const name = `statement-${randomUUID()}`
    h.conflictOnNextCommits(1)
    const error = await orm.em
      .fork()
      .insert(Item, { id: randomUUID(), name, qty: 1 })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DriverException)
    expect(isOccError(error)).toBe(true)
    expect(classifyError(error)).toBe('occ-data')
    expect(await count(orm, name)).toBe(0)
  })

  it('fails a nested em.transactional with DSQL 0A000 (no savepoints) and never retries it', async () => {
    const orm = await connect()
    let runs = 0
    const error = await dsqlTransactional(orm.em.fork(), async (em) => {
      runs++
      await em.transactional((inner) => {
        inner.create(Item, { name: 'nested', qty: 1 })
      })
    }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: '0A000', message: expect.stringContaining('SAVEPOINT') })
    expect(runs).toBe(1)
  })

  it('refuses an EntityManager inside a transaction unless the propagation is independent', async () => {
    const orm = await connect()
    let ran = false
    const name = `inner-${randomUUID()}`
    await orm.em.fork().transactional(async (em) => {
      await expect(
        dsqlTransactional(em, () => {
          ran = true
        }),
      ).rejects.toBeInstanceOf(TransactionMisuseError)
      await dsqlTransactional(em, (inner) => inner.create(Item, { name, qty: 1 }), {
        transactionOptions: { propagation: 'requires_new' },
      })
    })
    expect(ran).toBe(false)
    expect(await count(orm, name)).toBe(1)
  })

  it('signs at most one token for its endpoint across 200 queries on several connections', async () => {
    const heard = h.events.length
    const orm = await connect(h.options(), { pool: { max: 4 } })
    for (let round = 0; round < 50; round++) {
      await Promise.all(Array.from({ length: 4 }, () => orm.em.fork().count(Item, {})))
    }
    const window = h.events.slice(heard)
    expect(ofType(window, 'connect').length).toBeGreaterThan(1)
    expect(ofType(window, 'token.issued').length).toBeLessThanOrEqual(1)
  })

  it('keeps working after every connection reaches the connection-age cap', async () => {
    // MikroORM's pg.Pool holds the Clients; this subclass records them, to wait until each one
    // has heard the server close it, as an idle connection has long before the app's next query.
    const { Client: DsqlPgClient } = createDsqlPg(h.options())
    const clients: InstanceType<typeof DsqlPgClient>[] = []
    const ended = new Set<InstanceType<typeof DsqlPgClient>>()
    class Client extends DsqlPgClient {
      constructor(config?: ConstructorParameters<typeof DsqlPgClient>[0]) {
        super(config)
        clients.push(this)
        this.once('end', () => ended.add(this))
      }
    }
    const orm = await connect(h.options(), { pool: { max: 2 } }, Client)
    const name = `expiry-${randomUUID()}`
    await Promise.all([1, 2].map((qty) => dsqlFlush(orm.em.fork(), (em) => em.create(Item, { name, qty }))))
    const before = clients.length
    const open = clients.filter((client) => !ended.has(client))
    expect(open.length).toBeGreaterThan(0)
    // pg emits 'error' before 'end' here, so events.once(client, 'end') would reject.
    const closed = Promise.all(open.map((client) => new Promise((resolve) => client.once('end', resolve))))
    h.expireConnections()
    await closed

    await dsqlTransactional(orm.em.fork(), (em) => em.create(Item, { name, qty: 3 }))
    const totals = await Promise.all(
      Array.from({ length: 2 }, () => orm.em.fork().find(Item, { name }, { orderBy: { qty: 'asc' } })),
    )
    expect(totals.map((rows) => rows.map((row) => row.qty))).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ])
    expect(clients.length).toBeGreaterThan(before)
  })

  describe('with endpoints from the environment', () => {
    const saved = { ...process.env }

    beforeAll(() => {
      Object.assign(process.env, h.emulator.env)
    })

    afterAll(() => {
      for (const key of Object.keys(h.emulator.env)) {
        if (saved[key] === undefined) delete process.env[key]
        else process.env[key] = saved[key]
      }
    })

    it("connects although MikroORM sends host '127.0.0.1'", async () => {
      const orm = await connect({})
      const em: EntityManager = orm.em.fork()
      expect(em.getConnection().getConnectionOptions().host).toBe('127.0.0.1')
      expect(await em.getConnection().execute('SELECT current_user AS role')).toEqual([{ role: 'admin' }])
    })

    it("connects as MikroORM's default user postgres unless told otherwise, and so is refused", async () => {
      const error = await connect({}, { user: undefined })
        .then((orm) => orm.em.getConnection().execute('SELECT current_user AS role'))
        .catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(DsqlAuthError)
      expect((error as DsqlAuthError).message).toContain('user "postgres"')
    })
  })
})
