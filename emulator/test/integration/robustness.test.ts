import net from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { passwordMessage, sslRequest, startupMessage } from '../../src/wire/frontend-messages.js'
import { connectClient, signToken } from '../support/dsql-client.js'
import { backendUrl, startTestEmulator } from '../support/emulator.js'
import { directTls, roundTrip } from '../support/raw-wire.js'

/** Deterministic bytes, so a failure can be replayed. */
function pseudoRandomBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

function rawSend(port: number, bytes: Buffer, closeAfterMs = 50): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(bytes)
      setTimeout(() => socket.destroy(), closeAfterMs)
    })
    socket.on('error', () => undefined)
    socket.on('close', () => resolve())
  })
}

describe('emulator robustness', () => {
  let emu: Emulator
  let witness: pg.Client & { errors: Error[] }
  let backend: pg.Client
  const tag = `robust_${process.pid}`

  async function backendSessions(): Promise<number> {
    const { rows } = await backend.query(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [tag],
    )
    return rows[0].n
  }

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'] })
    witness = await connectClient(emu, { application_name: tag })
    backend = new pg.Client({ connectionString: backendUrl() })
    await backend.connect()
  })

  afterAll(async () => {
    await witness?.end()
    await backend?.end()
    await emu?.stop()
  })

  async function expectOnlyTheWitness(): Promise<void> {
    expect((await witness.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await expect.poll(() => emu.stats().cluster.BackendSessions).toBe(1)
    await expect.poll(backendSessions).toBe(1)
    expect(witness.errors).toEqual([])
  }

  it.each([
    ['random bytes', pseudoRandomBytes(1, 4096)],
    ['more random bytes', pseudoRandomBytes(2, 100)],
    ['a startup packet of absurd length', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0])],
    ['a truncated startup packet', startupMessage(new Map([['user', 'admin']])).subarray(0, 12)],
    ['an SSLRequest followed by plain bytes', Buffer.concat([sslRequest(), Buffer.from('hello')])],
    ['an SSLRequest followed by garbage instead of TLS', sslRequest()],
    ['a TLS record header with nothing after it', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10])],
  ])('survives %s on a raw connection', async (_name, bytes) => {
    await rawSend(emu.endpoints[0]!.port, bytes)
    if (bytes.equals(sslRequest()))
      await rawSend(emu.endpoints[0]!.port, Buffer.concat([bytes, pseudoRandomBytes(3, 300)]))
    await expectOnlyTheWitness()
  })

  it('survives a malformed startup packet over TLS and answers it with 08P01', async () => {
    const socket = await directTls(emu)
    const bad = startupMessage(new Map([['user', 'admin']]))
    bad[bad.length - 1] = 0x41
    const reply = await roundTrip(socket, bad, (b) => b.length > 5 && b.length >= b.readUInt32BE(1) + 1)
    expect(String.fromCharCode(reply[0]!)).toBe('E')
    expect(reply.toString('latin1')).toContain('08P01')
    socket.destroy()
    await expectOnlyTheWitness()
  })

  it.each([
    ['after TLS', 0],
    ['after the startup packet', 1],
    ['right after a valid token', 2],
  ])('leaks no backend session when a client vanishes %s', async (_name, step) => {
    for (let i = 0; i < 5; i++) {
      const socket = await directTls(emu)
      if (step >= 1) {
        await roundTrip(
          socket,
          startupMessage(
            new Map([
              ['user', 'admin'],
              ['database', 'postgres'],
              ['application_name', tag],
            ]),
          ),
          (b) => b.includes(0x52),
        )
      }
      if (step >= 2) socket.write(passwordMessage(await signToken(emu)))
      socket.destroy()
    }
    await expectOnlyTheWitness()
  })

  it('closes a session that sends a message over 10 MiB, and only that one', async () => {
    const victim = await connectClient(emu, { application_name: tag })
    const closed = new Promise<void>((resolve) => victim.once('end', () => resolve()))
    const header = Buffer.alloc(5)
    header.write('Q', 0, 'latin1')
    header.writeUInt32BE(10 * 1024 * 1024 + 1, 1)
    ;(victim as unknown as { connection: { stream: net.Socket } }).connection.stream.write(header)
    await closed
    await expectOnlyTheWitness()
  })

  it('closes a session whose message length is below 4', async () => {
    const victim = await connectClient(emu, { application_name: tag })
    const closed = new Promise<void>((resolve) => victim.once('end', () => resolve()))
    ;(victim as unknown as { connection: { stream: net.Socket } }).connection.stream.write(
      Buffer.from([0x51, 0, 0, 0, 1]),
    )
    await closed
    await expectOnlyTheWitness()
  })

  it('ends the backend session when a client disconnects mid-transaction, rolling it back', async () => {
    const table = `robust_${process.pid}_t`
    await witness.query(`DROP TABLE IF EXISTS ${table}`)
    await witness.query(`CREATE TABLE ${table} (id int)`)
    const victim = await connectClient(emu, { application_name: tag })
    await victim.query('BEGIN')
    await victim.query(`INSERT INTO ${table} VALUES (1)`)
    ;(victim as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy()
    await expectOnlyTheWitness()
    expect((await witness.query(`SELECT count(*)::int AS n FROM ${table}`)).rows).toEqual([{ n: 0 }])
    await witness.query(`DROP TABLE ${table}`)
  })

  it('serves many connections opened and dropped at once', async () => {
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => connectClient(emu, { application_name: tag })),
    )
    await Promise.all(
      clients.map((c, i) =>
        i % 2 === 0
          ? c.end()
          : Promise.resolve(
              (c as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy(),
            ),
      ),
    )
    await expectOnlyTheWitness()
  })
})
