import { type AddressInfo, createServer, Socket } from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import {
  abandonSocket,
  aimAt,
  type CheckoutListener,
  carried,
  carry,
  clientQuery,
  hearCheckouts,
  isBetweenTransactions,
  onConnectionEnd,
  type PoolRelease,
  poolQuery,
  removeIdleClient,
  transactionStatus,
} from '../../../src/pool/pg-pool-bridge.js'

// Contract tests: each checks one thing pg-dsql relies on in the installed pg and pg-pool beyond
// their documented API (see src/pool/pg-pool-bridge.ts). When a pg release breaks one, this file
// says which, before a pool does under load.

/** A pg.Client that "connects" without a server, and hears its checkouts through the bridge. */
class OfflineClient extends pg.Client implements CheckoutListener {
  static options: unknown[] = []
  checkouts = 0
  #poolRelease: PoolRelease | undefined

  constructor(options?: pg.ClientConfig) {
    super(options)
    OfflineClient.options.push(options)
  }

  override connect(): Promise<this>
  override connect(callback: (error: Error | null, client: this) => void): void
  override connect(callback?: (error: Error | null, client: this) => void): Promise<this> | undefined {
    if (callback === undefined) return Promise.resolve(this)
    process.nextTick(() => callback(null, this))
    return undefined
  }

  checkedOut(poolRelease: PoolRelease): void {
    this.checkouts++
    this.#poolRelease = poolRelease
  }

  get releaseWhileCheckedOut(): PoolRelease | undefined {
    return this.#poolRelease
  }
}
hearCheckouts(OfflineClient.prototype)

function offlinePool(options: pg.PoolConfig = {}) {
  const pool = new pg.Pool({ ...options, Client: OfflineClient as unknown as typeof pg.Client })
  const removed: unknown[] = []
  pool.on('remove', (client) => removed.push(client))
  return { pool, removed }
}

describe('pg-pool bridge contracts', () => {
  it('pg keeps the socket of a failed connect open, and destroying client.connection.stream closes it', async () => {
    // A server that asks for a password at once; the client's password function fails.
    const server = createServer((socket) => {
      socket.once('data', () => socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])))
      socket.on('error', () => undefined)
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as AddressInfo
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      password: () => Promise.reject(new Error('no credentials')),
    })
    client.on('error', () => undefined)
    try {
      await expect(client.connect()).rejects.toThrow('no credentials')
      const stream = (client as unknown as { connection: { stream: Socket } }).connection.stream
      expect(stream.destroyed).toBe(false)
      abandonSocket(client)
      expect(stream.destroyed).toBe(true)
    } finally {
      await new Promise((done) => server.close(done))
    }
  })

  it('pg-pool assigns client.release at every checkout', async () => {
    const { pool } = offlinePool({ max: 1 })
    const first = (await pool.connect()) as unknown as OfflineClient & pg.PoolClient
    expect(first.checkouts).toBe(1)
    expect(typeof first.release).toBe('function')
    first.release()
    const again = (await pool.connect()) as unknown as OfflineClient & pg.PoolClient
    expect(again).toBe(first)
    expect(again.checkouts).toBe(2)
    again.release()
    await pool.end()
  })

  it("pg-pool's release with an error removes and ends the client", async () => {
    const { pool, removed } = offlinePool()
    const client = await pool.connect()
    client.release(new Error('retire'))
    expect(removed).toEqual([client])
    expect(pool.totalCount).toBe(0)
    await pool.end()
  })

  it("pg-pool removes an idle client that emits 'error' and re-emits it on the pool with the client", async () => {
    const { pool, removed } = offlinePool()
    const heard: unknown[][] = []
    pool.on('error', (error, client) => heard.push([error, client]))
    const client = await pool.connect()
    client.release()
    expect(pool.idleCount).toBe(1)
    const reason = new Error('retired')
    removeIdleClient(client as unknown as pg.Client, reason)
    expect(removed).toEqual([client])
    expect(heard).toEqual([[reason, client]])
    await pool.end()
  })

  it('pg-pool builds each client from its options, symbol keys included', async () => {
    OfflineClient.options = []
    const runtime = { marker: 'runtime' }
    const pool = new pg.Pool(carry({ Client: OfflineClient as unknown as typeof pg.Client }, runtime))
    const client = await pool.connect()
    expect(carried(OfflineClient.options[0])).toBe(runtime)
    client.release()
    await pool.end()
  })

  it("pg's query methods are the ones the bridge calls, and take a callback", () => {
    expect(poolQuery).toBe(pg.Pool.prototype.query)
    expect(clientQuery).toBe(pg.Client.prototype.query)
    const client = new pg.Client()
    // Queued until a connect that never comes; the callback form returns nothing.
    expect(clientQuery.call(client, 'SELECT 1', undefined, () => undefined)).toBeUndefined()
  })

  it('pg reports a transaction status, null before the first ReadyForQuery', () => {
    expect(typeof pg.Client.prototype.getTransactionStatus).toBe('function')
    expect(transactionStatus(new pg.Client())).toBeNull()
  })

  // A connection handed over from inside pg's connect callback still reads null (the chaos suite
  // found it; test/integration/driver/transactions.test.ts has the case through the emulator).
  it.each([
    ['I', true],
    [null, true],
    ['T', false],
    ['E', false],
    [undefined, false],
  ])('reads status %s as between transactions: %s', (status, expected) => {
    const client = { getTransactionStatus: status === undefined ? undefined : () => status }
    expect(isBetweenTransactions(client as unknown as pg.Client)).toBe(expected)
  })

  it('pg builds its socket from a stream function and connects it to the host and port set before connect', async () => {
    const calls: unknown[][] = []
    class RecordingSocket extends Socket {
      override connect(...args: unknown[]): this {
        calls.push(args.slice(0, 2))
        this.destroy(new Error('not connecting in a unit test'))
        return this
      }
    }
    let given: unknown
    const client = new pg.Client({
      host: 'chosen.later',
      port: 1,
      stream: (config: unknown) => {
        given = config
        return new RecordingSocket()
      },
    } as unknown as pg.ClientConfig)
    client.on('error', () => undefined)
    aimAt(client, 'endpoint.example', 6543)
    let ended = false
    onConnectionEnd(client, () => {
      ended = true
    })
    await client.connect().catch(() => undefined)
    expect(ended).toBe(true)
    expect(given).toBeTypeOf('object')
    expect(calls).toEqual([[6543, 'endpoint.example']])
  })
})
