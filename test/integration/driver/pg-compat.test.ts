import pg from 'pg'
import Cursor from 'pg-cursor'
import QueryStream from 'pg-query-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DsqlClient, DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

/**
 * The pg.Pool surface an app or ORM relies on, exercised against DsqlPool through the emulator:
 * if a test here fails, some ORM somewhere breaks.
 */
describe('DsqlPool as a pg.Pool', () => {
  let emulator: Emulator
  const pools: DsqlPool[] = []
  const newPool = (extra: Record<string, unknown> = {}) => {
    const pool = new DsqlPool(optionsFor(emulator, extra))
    pools.push(pool)
    return pool
  }

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
  })

  afterAll(async () => {
    await Promise.all(pools.filter((pool) => !pool.ended).map((pool) => pool.end()))
    await emulator?.stop()
  })

  it('is an instance of pg.Pool whose clients are pg.Client instances', async () => {
    const pool = newPool()
    const client = await pool.connect()
    expect(pool).toBeInstanceOf(pg.Pool)
    expect(client).toBeInstanceOf(pg.Client)
    expect(client).toBeInstanceOf(DsqlClient)
    client.release()
  })

  it('connects and queries in promise form', async () => {
    const pool = newPool()
    const client = await pool.connect()
    const result = await client.query('SELECT $1::text AS word', ['promise'])
    client.release()
    expect(result.rows).toEqual([{ word: 'promise' }])
    expect(result.command).toBe('SELECT')
    expect(result.rowCount).toBe(1)
  })

  it('connects, queries and ends in callback form', async () => {
    const pool = newPool()
    const rows = await new Promise<unknown[]>((resolve, reject) => {
      pool.connect((connectError, client, done) => {
        if (connectError !== undefined || client === undefined || done === undefined)
          return reject(connectError)
        client.query('SELECT $1::text AS word', ['callback'], (queryError, result) => {
          done()
          if (queryError) reject(queryError)
          else resolve(result.rows)
        })
      })
    })
    expect(rows).toEqual([{ word: 'callback' }])
    const viaPool = await new Promise<unknown[]>((resolve, reject) =>
      pool.query('SELECT 2 AS n', (error, result) => (error ? reject(error) : resolve(result.rows))),
    )
    expect(viaPool).toEqual([{ n: 2 }])
    await new Promise<void>((resolve, reject) =>
      pool.end((error?: Error) => (error ? reject(error) : resolve())),
    )
    expect(pool.ended).toBe(true)
  })

  it('takes query config objects with rowMode, a name and types', async () => {
    const pool = newPool()
    const types = { getTypeParser: () => (value: string) => `parsed:${value}` }
    const result = await pool.query({
      name: 'compat-config',
      text: 'SELECT $1::int AS n, 2 AS m',
      values: [1],
      rowMode: 'array',
      types,
    })
    expect(result.rows).toEqual([['parsed:1', 'parsed:2']])
    const again = await pool.query({
      name: 'compat-config',
      text: 'SELECT $1::int AS n, 2 AS m',
      values: [5],
    })
    expect(again.rows).toEqual([{ n: 5, m: 2 }])
  })

  it('emits connect, acquire, release and remove with the client', async () => {
    const pool = newPool({ max: 1, idleTimeoutMillis: 10 })
    const seen: string[] = []
    for (const event of ['connect', 'acquire', 'release', 'remove'] as const) {
      pool.on(event, (...args: unknown[]) => {
        const client = args.find((arg) => arg instanceof DsqlClient)
        if (client !== undefined) seen.push(event)
      })
    }
    await pool.query('SELECT 1')
    await new Promise<void>((resolve) => pool.once('remove', () => resolve()))
    expect(seen).toEqual(['connect', 'acquire', 'release', 'remove'])
  })

  it('forwards an idle client error that is not a lost connection to the pool error listeners', async () => {
    const pool = newPool()
    const client = await pool.connect()
    client.release()
    const received = new Promise<unknown>((resolve) => pool.once('error', resolve))
    const failure = new Error('something odd')
    client.emit('error', failure)
    expect(await received).toBe(failure)
    expect(pool.totalCount).toBe(0)
  })

  it('counts total, idle, waiting and expired clients', async () => {
    const pool = newPool({ max: 2 })
    const a = await pool.connect()
    const b = await pool.connect()
    const waiting = pool.connect()
    expect([pool.totalCount, pool.idleCount, pool.waitingCount, pool.expiredCount]).toEqual([2, 0, 1, 0])
    a.release()
    const c = await waiting
    expect([pool.totalCount, pool.idleCount, pool.waitingCount]).toEqual([2, 0, 0])
    b.release()
    c.release()
    expect([pool.totalCount, pool.idleCount]).toEqual([2, 2])
  })

  it('destroys a client released with an error', async () => {
    const pool = newPool()
    const client = await pool.connect()
    const removed = new Promise<void>((resolve) => pool.once('remove', () => resolve()))
    client.release(new Error('bad state'))
    await removed
    expect(pool.totalCount).toBe(0)
  })

  it('replaces a client after maxUses checkouts', async () => {
    const pool = newPool({ max: 1, maxUses: 3 })
    const pids = new Set<number>()
    for (let i = 0; i < 6; i++) {
      const client = await pool.connect()
      pids.add((client as unknown as { processID: number }).processID)
      client.release()
    }
    expect(pids.size).toBe(2)
  })

  it('closes idle clients after idleTimeoutMillis', async () => {
    const pool = newPool({ idleTimeoutMillis: 50 })
    await pool.query('SELECT 1')
    expect(pool.idleCount).toBe(1)
    await new Promise<void>((resolve) => pool.once('remove', () => resolve()))
    expect(pool.totalCount).toBe(0)
  })

  it('times out waiting for a client after connectionTimeoutMillis', async () => {
    const pool = newPool({ max: 1, connectionTimeoutMillis: 100 })
    const held = await pool.connect()
    await expect(pool.connect()).rejects.toThrow('timeout exceeded when trying to connect')
    held.release()
  })

  it('expires clients after maxLifetimeSeconds', async () => {
    const pool = newPool({ maxLifetimeSeconds: 1 })
    await pool.query('SELECT 1')
    await new Promise<void>((resolve) => pool.once('remove', () => resolve()))
    expect(pool.totalCount).toBe(0)
  })

  it('builds clients from a custom DsqlClient subclass', async () => {
    class TaggedClient extends DsqlClient {
      readonly tag = 'tagged'
    }
    const pool = newPool({ Client: TaggedClient })
    const client = await pool.connect()
    expect(client).toBeInstanceOf(TaggedClient)
    expect((client as unknown as TaggedClient).tag).toBe('tagged')
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    client.release()
  })

  it('refuses a Client class that cannot sign tokens', () => {
    expect(() => newPool({ Client: pg.Client })).toThrow(/extends it/)
  })

  it('reads rows in batches through pg-cursor', async () => {
    const pool = newPool()
    const client = await pool.connect()
    const cursor = client.query(new Cursor('SELECT generate_series(1, 25) AS n'))
    const first = await cursor.read(10)
    const rest = await cursor.read(100)
    await cursor.close()
    client.release()
    expect(first.map((row: { n: number }) => row.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(rest).toHaveLength(15)
  })

  it('streams rows through pg-query-stream', async () => {
    const pool = newPool()
    const client = await pool.connect()
    const stream = client.query(new QueryStream('SELECT generate_series(1, 100) AS n', [], { batchSize: 7 }))
    let sum = 0
    for await (const row of stream) sum += (row as { n: number }).n
    client.release()
    expect(sum).toBe(5050)
  })

  it('keeps a healthy connection after a statement error, unlike pg-pool', async () => {
    const pool = newPool({ max: 1 })
    const pid = async () => (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid
    const before = await pid()
    await expect(pool.query('SELECT * FROM no_such_table_compat')).rejects.toMatchObject({ code: '42P01' })
    expect(await pid()).toBe(before)
  })
})
