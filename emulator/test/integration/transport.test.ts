import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import type pg from 'pg'
import Cursor from 'pg-cursor'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { passwordMessage, query, sslRequest, startupMessage } from '../../src/wire/frontend-messages.js'
import { clientConfig, connectClient, connectError, signToken } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'
import { count, directTls, extended, frames, roundTrip } from '../support/raw-wire.js'

/** Sends bytes on a raw connection and collects what comes back until the server closes or `ms` pass. */
function exchange(port: number, bytes: Buffer, ms = 2000): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes))
    const done = () => resolve(Buffer.concat(chunks))
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('close', done)
    socket.on('error', done)
    setTimeout(() => socket.destroy(), ms)
  })
}

describe('emulator transport', () => {
  let emu: Emulator
  let table: string

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'] })
    table = `transport_${process.pid}`
    const admin = await connectClient(emu)
    await admin.query(`DROP TABLE IF EXISTS ${table}`)
    await admin.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`)
    await admin.end()
  })

  afterAll(async () => {
    await emu?.stop()
  })

  it('refuses a plain startup without TLS with 08006', async () => {
    expect(await connectError(emu, { ssl: false })).toMatchObject({
      code: '08006',
      severity: 'FATAL',
      message: 'unable to accept connection, SSL is required',
    })
  })

  it('refuses TLS without SNI', async () => {
    const config = clientConfig(emu)
    const error = await connectError(emu, {
      ssl: { ca: readFileSync(emu.caCertPath, 'utf8'), checkServerIdentity: () => undefined },
    })
    expect(config.host).toMatch(/^127\./)
    expect(error).toMatchObject({
      code: '08006',
      message: 'unable to accept connection, sni was not received',
    })
  })

  it('serves verify-full: the certificate names the endpoint host and chains to the CA', async () => {
    const endpoint = emu.endpoints[0]!
    const socket = await directTls(emu)
    expect(socket.authorized).toBe(true)
    expect(tls.checkServerIdentity(endpoint.host, socket.getPeerCertificate())).toBeUndefined()
    expect(tls.checkServerIdentity('example.com', socket.getPeerCertificate())).toBeInstanceOf(Error)
    socket.destroy()
  })

  it('accepts direct TLS with ALPN postgresql (sslnegotiation: direct)', async () => {
    const client = await connectClient(emu, { sslnegotiation: 'direct' } as pg.ClientConfig)
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await client.end()
  })

  it('closes direct TLS without ALPN', async () => {
    const endpoint = emu.endpoints[0]!
    const socket = tls.connect({
      host: endpoint.address,
      port: endpoint.port,
      servername: endpoint.host,
      ca: readFileSync(emu.caCertPath, 'utf8'),
    })
    const closed = await new Promise<string>((resolve) => {
      socket.on('error', () => resolve('error'))
      socket.on('close', () => resolve('close'))
    })
    expect(['error', 'close']).toContain(closed)
  })

  it('answers GSSENCRequest with N and SSLRequest with S', async () => {
    const gss = Buffer.alloc(8)
    gss.writeUInt32BE(8, 0)
    gss.writeUInt32BE(80877104, 4)
    const port = emu.endpoints[0]!.port
    expect((await exchange(port, gss, 300)).toString()).toBe('N')
    expect((await exchange(port, sslRequest(), 300)).toString()).toBe('S')
  })

  it('runs the extended protocol, named statements and pipelined batches', async () => {
    const client = await connectClient(emu)
    await client.query(`INSERT INTO ${table} VALUES ($1, $2), ($3, $4)`, [1, 'one', 2, 'two'])
    const named = { name: 'by-id', text: `SELECT name FROM ${table} WHERE id = $1`, values: [2] }
    expect((await client.query(named)).rows).toEqual([{ name: 'two' }])
    expect((await client.query({ ...named, values: [1] })).rows).toEqual([{ name: 'one' }])
    // pg queues these and writes them back to back; the emulator serves them one unit at a time.
    const results = await Promise.all([1, 2, 1, 2].map((id) => client.query(named.text, [id])))
    expect(results.map((r) => r.rows[0].name)).toEqual(['one', 'two', 'one', 'two'])
    await expect(client.query('SELECT * FROM no_such_table_x')).rejects.toMatchObject({ code: '42P01' })
    expect((await client.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }])
    await client.end()
  })

  it('reads through a cursor (Execute with a row limit, then Flush)', async () => {
    const client = await connectClient(emu)
    await client.query('BEGIN')
    const cursor = client.query(new Cursor('SELECT g FROM generate_series(1, 10) g'))
    const read = (n: number) =>
      new Promise<unknown[]>((resolve, reject) =>
        cursor.read(n, (e, rows) => (e ? reject(e) : resolve(rows))),
      )
    expect(await read(3)).toEqual([{ g: 1 }, { g: 2 }, { g: 3 }])
    expect(await read(10)).toHaveLength(7)
    await new Promise<void>((resolve) => cursor.close(() => resolve()))
    await client.query('COMMIT')
    await client.end()
  })

  it('relays a raw pipeline of simple queries in order', async () => {
    const client = await connectClient(emu)
    // Several Query messages in one write, each answered in turn.
    const results = await Promise.all([
      client.query('SELECT 1 AS n'),
      client.query('SELECT 2 AS n'),
      client.query('SELECT 3 AS n'),
    ])
    expect(results.map((r) => r.rows[0].n)).toEqual([1, 2, 3])
    await client.end()
  })

  it('cancels a running query through its own cancel key', async () => {
    const client = await connectClient(emu)
    const running = client.query('SELECT pg_sleep(30)')
    await new Promise((resolve) => setTimeout(resolve, 200))
    const keys = client as unknown as { processID: number; secretKey: number }
    const cancel = Buffer.alloc(16)
    cancel.writeUInt32BE(16, 0)
    cancel.writeUInt32BE(80877102, 4)
    cancel.writeUInt32BE(keys.processID, 8)
    cancel.writeUInt32BE(keys.secretKey, 12)
    await exchange(emu.endpoints[0]!.port, cancel, 500)
    await expect(running).rejects.toMatchObject({ code: '57014' })
    await client.end()
  })

  it('ignores query text bytes that look like protocol (no framing confusion)', async () => {
    const client = await connectClient(emu)
    const tricky = `Z\u0001\u0001\u0001\u0005I${'x'.repeat(70_000)}`
    const { rows } = await client.query('SELECT length($1::text) AS n', [tricky])
    expect(rows).toEqual([{ n: tricky.length }])
    await client.end()
  })

  it('answers protocol 3.2 and _pq_ options with NegotiateProtocolVersion, then asks for the token', async () => {
    const socket = await directTls(emu)
    const startup = startupMessage(
      new Map([
        ['user', 'admin'],
        ['database', 'postgres'],
        ['_pq_.test', '1'],
      ]),
    )
    startup.writeUInt32BE((3 << 16) | 2, 4)
    const reply = await roundTrip(socket, startup, (bytes) => bytes.includes(0x52))
    expect(String.fromCharCode(reply[0]!)).toBe('v')
    expect(reply.readUInt32BE(5)).toBe(0)
    expect(reply.toString('latin1')).toContain('_pq_.test')
    socket.destroy()
  })

  it('answers a pipelined batch of extended and simple queries in order', async () => {
    const socket = await directTls(emu)
    await roundTrip(
      socket,
      startupMessage(
        new Map([
          ['user', 'admin'],
          ['database', 'postgres'],
        ]),
      ),
      (b) => b.includes(0x52),
    )
    const token = await signToken(emu)
    await roundTrip(socket, passwordMessage(token), (b) => b.at(-6) === 0x5a)
    const batch = Buffer.concat([
      extended('SELECT 41 + 1'),
      query('SELECT 7; SELECT 8'),
      extended('SELECT nope'),
      extended('SELECT 9'),
    ])
    const replies = await roundTrip(socket, batch, (b) => count(b, 0x5a) >= 4)
    const types = frames(replies).map(([type]) => String.fromCharCode(type))
    expect(types.join('')).toBe('12TDCZ' + 'TDCTDCZ' + 'EZ' + '12TDCZ')
    socket.destroy()
  })

  it.each([
    ['SET statement_timeout = 1000', 'statement_timeout'],
    ["SET default_transaction_isolation = 'repeatable read'", 'default_transaction_isolation'],
    ['SET TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'TRANSACTION'],
  ])('refuses %s with 0A000 and keeps the session usable', async (sql, name) => {
    const client = await connectClient(emu)
    const refusal = { code: '0A000', message: `setting configuration parameter "${name}" not supported` }
    await expect(client.query(sql)).rejects.toMatchObject(refusal)
    await client.query('SET search_path = public')
    await client.query('BEGIN')
    await expect(client.query(sql)).rejects.toMatchObject(refusal)
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' })
    expect((await client.query('COMMIT')).command).toBe('ROLLBACK')
    await client.end()
  })
})
