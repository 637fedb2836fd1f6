import net from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Emulator, EmulatorOptionError, startEmulator } from '../../src/index.js'
import { connectClient, connectError } from '../support/dsql-client.js'
import { backendUrl } from '../support/emulator.js'

async function canListen(port: number): Promise<boolean> {
  const server = net.createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A port P such that P and P + 1 are both free right now. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = net.createServer()
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
    )
    await new Promise((resolve) => server.close(resolve))
    if (port < 65535 && (await canListen(port)) && (await canListen(port + 1))) return port
  }
  throw new Error('no two consecutive free ports')
}

describe('emulator backend', () => {
  const database = `emu_bootstrap_${process.pid}`
  let admin: pg.Client
  let url: string

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: backendUrl() })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${database}`)
    await admin.query(`CREATE DATABASE ${database}`)
    const parsed = new URL(backendUrl())
    parsed.pathname = `/${database}`
    url = parsed.href
  })

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin.end()
  })

  it('bootstraps a fresh backend from several emulators at once, and they share its data and mappings', async () => {
    const emulators: Emulator[] = await Promise.all(
      [1, 2, 3].map(() => startEmulator({ backend: url, regions: ['us-east-1'] })),
    )
    try {
      const [first, second] = emulators as [Emulator, Emulator]
      const a = await connectClient(first)
      await a.query('CREATE TABLE shared_t (v text)')
      await a.query("INSERT INTO shared_t VALUES ('written through the first emulator')")
      const b = await connectClient(second)
      expect((await b.query('SELECT v FROM shared_t')).rows).toEqual([
        { v: 'written through the first emulator' },
      ])
      expect((await b.query('SELECT current_database() AS db')).rows).toEqual([{ db: database }])
      await Promise.all([a.end(), b.end()])
    } finally {
      await Promise.all(emulators.map((emu) => emu.stop()))
    }
  })

  it('listens on consecutive ports from the port option', async () => {
    const port = await freePortPair()
    const emu = await startEmulator({ backend: url, port })
    try {
      expect(emu.endpoints.map((e) => e.port)).toEqual([port, port + 1])
    } finally {
      await emu.stop()
    }
  })

  it('rejects a port already in use naming the port option, and closes the Regions it had opened', async () => {
    const port = await freePortPair()
    const occupied = net.createServer()
    await new Promise<void>((resolve) => occupied.listen(port + 1, '127.0.0.1', resolve))
    try {
      // The shared backend's own database: bootstrapping it leaves admin's password as it is.
      const error = await startEmulator({ backend: backendUrl(), port }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EmulatorOptionError)
      expect(error).toMatchObject({
        code: 'ERR_DSQL_EMULATOR_OPTION',
        option: 'port',
        message: expect.stringContaining(`us-east-2's endpoint cannot listen on 127.0.0.1:${port + 1}`),
      })
      expect(await canListen(port)).toBe(true)
    } finally {
      await new Promise((resolve) => occupied.close(resolve))
    }
  })

  it('fails to start naming the backend option, without echoing its password', async () => {
    const error = await startEmulator({ backend: 'postgres://postgres:hunter2@127.0.0.1:1/postgres' }).catch(
      (e: unknown) => e,
    )
    expect(error).toMatchObject({
      code: 'ERR_DSQL_EMULATOR_BACKEND',
      option: 'backend',
      message: expect.stringMatching(/127\.0\.0\.1:1 .*ECONNREFUSED/),
    })
    expect((error as Error).message).not.toContain('hunter2')
  })
})

/**
 * A TCP proxy to PostgreSQL that can be cut (nothing listens, open connections are destroyed)
 * and restored on the same port: the backend going away under a running emulator.
 */
async function cuttableProxy(host: string, port: number) {
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined
  let listenPort = 0
  const restore = () =>
    new Promise<void>((resolve) => {
      const listening = net.createServer((client) => {
        const upstream = net.connect(port, host)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('close', () => sockets.delete(socket))
          socket.on('error', () => socket.destroy())
        }
        client.pipe(upstream).pipe(client)
      })
      listening.listen(listenPort, '127.0.0.1', () => {
        listenPort = (listening.address() as net.AddressInfo).port
        server = listening
        resolve()
      })
    })
  const cut = () =>
    new Promise<void>((resolve) => {
      if (server === undefined) return resolve()
      server.close(() => resolve())
      server = undefined
      for (const socket of sockets) socket.destroy()
    })
  await restore()
  return { port: listenPort, cut, restore }
}

describe('emulator backend that goes away', () => {
  it('refuses a role whose lookup cannot reach the backend with XX000 server unavailable, not a cut connection', async () => {
    const target = new URL(backendUrl())
    const proxy = await cuttableProxy(target.hostname, Number(target.port))
    const through = new URL(backendUrl())
    through.hostname = '127.0.0.1'
    through.port = String(proxy.port)
    const emulator = await startEmulator({ regions: ['us-east-1'], backend: through.toString() })
    const role = `unreachable_${process.pid}`
    try {
      const admin = await connectClient(emulator)
      await admin.query(`CREATE ROLE ${role} WITH LOGIN`)
      await admin.query(`AWS IAM GRANT ${role} TO '${emulator.credentials.arn}'`)
      await admin.end()
      await proxy.cut()
      const error = await connectError(emulator, { user: role })
      expect(error).toMatchObject({ code: 'XX000', message: 'server unavailable' })
    } finally {
      // Back, so the emulator's stop can reach its backend.
      await proxy.restore()
      await emulator.stop()
      await proxy.cut()
    }
  })
})
