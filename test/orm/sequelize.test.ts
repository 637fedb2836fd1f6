import { randomUUID } from 'node:crypto'
import {
  ConnectionError,
  DatabaseError,
  DataTypes,
  type ModelStatic,
  Sequelize,
  type Model as SequelizeModel,
} from 'sequelize'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  classifyError,
  createDsqlPg,
  type DsqlEvent,
  type DsqlPoolConfig,
  isOccError,
  TransactionMisuseError,
} from '../../src/index.js'
import { dsqlTransaction } from '../../src/orm/sequelize.js'
import { type OrmHarness, ormHarness } from './support/orm-harness.js'

// The README's recipe: Sequelize builds its own pg Clients from `dialectModule`, and skips the
// startup `SET client_min_messages` DSQL would refuse.
interface Item {
  id: string
  name: string
  qty: number
}
type ItemModel = ModelStatic<SequelizeModel<Item, Partial<Item>>>

let h: OrmHarness
let table: string
const opened: Sequelize[] = []

function connect(options: DsqlPoolConfig = h.options(), extra: Record<string, unknown> = {}): Sequelize {
  const sequelize = new Sequelize({
    dialect: 'postgres',
    dialectModule: createDsqlPg(options),
    dialectOptions: { clientMinMessages: 'ignore' },
    logging: false,
    ...extra,
  })
  opened.push(sequelize)
  return sequelize
}

function defineItem(sequelize: Sequelize): ItemModel {
  return sequelize.define<SequelizeModel<Item, Partial<Item>>>(
    'Item',
    {
      // DSQL has no sequences for `serial`: the key is a UUID made on the client.
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      name: { type: DataTypes.TEXT, allowNull: false },
      qty: { type: DataTypes.INTEGER, allowNull: false },
    },
    { tableName: table, timestamps: false },
  )
}

beforeAll(async () => {
  h = await ormHarness()
  table = h.table('sequelize_items')
  await h.ddl(
    `CREATE TABLE ${table} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, qty int NOT NULL)`,
  )
})

afterAll(async () => {
  await Promise.all(opened.map((sequelize) => sequelize.close()))
  await h?.stop()
})

describe('Sequelize over pg-dsql', () => {
  it('creates, reads, updates and deletes rows through models on a DSQL table', async () => {
    const Item = defineItem(connect())
    const created = await Item.create({ name: 'crud', qty: 1 })
    const { id } = created.get({ plain: true })
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect((await Item.findByPk(id))?.get({ plain: true })).toEqual({ id, name: 'crud', qty: 1 })
    await Item.update({ qty: 5 }, { where: { id } })
    expect((await Item.findByPk(id))?.get({ plain: true }).qty).toBe(5)
    await created.destroy()
    expect(await Item.findByPk(id)).toBeNull()
  })

  it('commits a managed transaction once through dsqlTransaction after two conflicts', async () => {
    const sequelize = connect()
    const Item = defineItem(sequelize)
    const name = `tx-${randomUUID()}`
    const events: DsqlEvent[] = []
    const attempts: number[] = []
    h.conflictOnNextCommits(2)
    const id = await dsqlTransaction(
      sequelize,
      async (t, { attempt }) => {
        attempts.push(attempt)
        const row = await Item.create({ name, qty: 1 }, { transaction: t })
        return row.get({ plain: true }).id
      },
      { onEvent: (event) => events.push(event) },
    )
    expect(attempts).toEqual([1, 2, 3])
    expect(await Item.count({ where: { name } })).toBe(1)
    expect((await Item.findByPk(id))?.get({ plain: true }).name).toBe(name)
    expect(events.filter((event) => event.type === 'retry')).toHaveLength(2)
    expect(events.filter((event) => event.type === 'occ.conflict')).toHaveLength(2)
    expect(events.find((event) => event.type === 'transaction')).toMatchObject({
      outcome: 'committed',
      attempts: 3,
    })
  })

  it('loads afresh on every attempt, so a decrement that met two conflicts applies once', async () => {
    const sequelize = connect()
    const Item = defineItem(sequelize)
    const { id } = (await Item.create({ name: `stock-${randomUUID()}`, qty: 10 })).get({ plain: true })
    h.conflictOnNextCommits(2)
    await dsqlTransaction(sequelize, async (t) => {
      const stock = await Item.findByPk(id, { transaction: t, rejectOnEmpty: true })
      stock.set('qty', stock.get({ plain: true }).qty - 1)
      await stock.save({ transaction: t })
    })
    expect((await Item.findByPk(id))?.get({ plain: true }).qty).toBe(9)
  })

  it('saves nothing on the retry for an instance changed outside the callback (the documented limit)', async () => {
    const sequelize = connect()
    const Item = defineItem(sequelize)
    const stock = await Item.create({ name: `stale-${randomUUID()}`, qty: 10 })
    stock.set('qty', 9)
    const changed: (string[] | false)[] = []
    h.conflictOnNextCommits(1)
    await dsqlTransaction(sequelize, async (t) => {
      changed.push(stock.changed())
      await stock.save({ transaction: t })
    })
    // The failed attempt marked the change saved; the retry had nothing left to send.
    expect(changed).toEqual([['qty'], false])
    expect((await Item.findByPk(stock.get({ plain: true }).id))?.get({ plain: true }).qty).toBe(10)
  })

  it('throws a SequelizeDatabaseError that isOccError and classifyError read as a data conflict', async () => {
    const sequelize = connect()
    const Item = defineItem(sequelize)
    const name = `bare-${randomUUID()}`
    h.conflictOnNextCommits(1)
    const error = await sequelize
      .transaction(async (t) => {
        await Item.create({ name, qty: 1 }, { transaction: t })
      })
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).name).toBe('SequelizeDatabaseError')
    expect(isOccError(error)).toBe(true)
    expect(classifyError(error)).toBe('occ-data')
    expect(await Item.count({ where: { name } })).toBe(0)
  })

  it('fails a nested transaction with DSQL 0A000 (no savepoints) and never retries it', async () => {
    const sequelize = connect()
    const Item = defineItem(sequelize)
    let runs = 0
    const error = await dsqlTransaction(sequelize, async (t) => {
      runs++
      await sequelize.transaction({ transaction: t }, async (inner) => {
        await Item.create({ name: 'nested', qty: 1 }, { transaction: inner })
      })
    }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DatabaseError)
    expect((error as DatabaseError).parent).toMatchObject({
      code: '0A000',
      message: 'unsupported transaction statement: SAVEPOINT',
    })
    expect(runs).toBe(1)
  })

  it('refuses a parent transaction in transactionOptions before anything runs', async () => {
    const sequelize = connect()
    const outer = await sequelize.transaction()
    try {
      let ran = false
      await expect(
        dsqlTransaction(
          sequelize,
          () => {
            ran = true
          },
          { transactionOptions: { transaction: outer } },
        ),
      ).rejects.toBeInstanceOf(TransactionMisuseError)
      expect(ran).toBe(false)
    } finally {
      await outer.rollback()
    }
  })

  it('signs at most one token for its endpoint across 200 queries on several connections', async () => {
    const before = h.tokensSigned()
    const connects: DsqlEvent[] = []
    const Item = defineItem(
      connect(h.options({ onEvent: (event) => event.type === 'connect' && connects.push(event) }), {
        pool: { max: 4 },
      }),
    )
    for (let round = 0; round < 50; round++) {
      await Promise.all([Item.count(), Item.count(), Item.count(), Item.count()])
    }
    expect(connects.length).toBeGreaterThan(1)
    expect(h.tokensSigned() - before).toBeLessThanOrEqual(1)
  })

  it('keeps working after every connection reaches the connection-age cap', async () => {
    // Sequelize pools pg Clients itself; this module records them, to wait until each one has
    // heard the server close it, as an idle connection has long before the app's next query.
    const pg = createDsqlPg(h.options())
    const clients: InstanceType<typeof pg.Client>[] = []
    const ended = new Set<InstanceType<typeof pg.Client>>()
    class Client extends pg.Client {
      constructor(config?: ConstructorParameters<typeof pg.Client>[0]) {
        super(config)
        clients.push(this)
        this.once('end', () => ended.add(this))
      }
    }
    const sequelize = connect(h.options(), { dialectModule: { ...pg, Client }, pool: { max: 2 } })
    const Item = defineItem(sequelize)
    const name = `expiry-${randomUUID()}`
    await Promise.all([Item.create({ name, qty: 1 }), Item.create({ name, qty: 2 })])
    const before = clients.length
    const open = clients.filter((client) => !ended.has(client))
    expect(open.length).toBeGreaterThan(0)
    // pg emits 'error' before 'end' here, so events.once(client, 'end') would reject.
    const closed = Promise.all(open.map((client) => new Promise((resolve) => client.once('end', resolve))))
    h.expireConnections()
    await closed

    await dsqlTransaction(sequelize, async (t) => {
      await Item.create({ name, qty: 3 }, { transaction: t })
    })
    await Promise.all([Item.create({ name, qty: 4 }), Item.count()])
    expect(await Item.count({ where: { name } })).toBe(4)
    expect(await Item.sum('qty', { where: { name } })).toBe(10)
    expect(clients.length).toBeGreaterThan(before)
  })
})

describe('Sequelize with endpoints from the environment', () => {
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

  it("connects although Sequelize sends host 'localhost'", async () => {
    const sequelize = connect({})
    expect(sequelize.config.host).toBe('localhost')
    const [rows] = await sequelize.query('SELECT current_user AS role')
    expect(rows).toEqual([{ role: 'admin' }])
  })

  it('connects as the username it is given, and so is refused for a role the cluster lacks', async () => {
    const events: DsqlEvent[] = []
    const sequelize = connect({ onEvent: (event) => events.push(event) }, { username: 'no_such_role' })
    const outcome = await sequelize.query('SELECT current_user AS role').catch((caught: unknown) => caught)
    // What the run saw, should an assertion below fail.
    const seen = `${String(outcome)}; events: ${events.map((event) => event.type).join(', ')}`
    expect(outcome, seen).toBeInstanceOf(ConnectionError)
    // Signed for a role other than admin (DbConnect, not DbConnectAdmin), and refused by DSQL.
    const actions = events.flatMap((event) => (event.type === 'token.issued' ? [event.action] : []))
    expect(new Set(actions), seen).toEqual(new Set(['DbConnect']))
    // With every event (no token or secret in any) in the message, should it fail: it failed once in CI.
    expect(
      events.filter((event) => event.type === 'connect.error'),
      JSON.stringify(events),
    ).toContainEqual(expect.objectContaining({ error: expect.objectContaining({ code: '08006' }) }))
  })
})
