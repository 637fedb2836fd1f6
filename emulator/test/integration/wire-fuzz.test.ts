import { readFileSync } from 'node:fs'
import net from 'node:net'
import tls from 'node:tls'
import fc from 'fast-check'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type EmbeddedBackend, type Emulator, startEmbeddedBackend, startEmulator } from '../../src/index.js'
import {
  cancelRequest,
  passwordMessage,
  sslRequest,
  startupMessage,
} from '../../src/wire/frontend-messages.js'
import { connectClient, signToken } from '../support/dsql-client.js'
import { directTls, message, roundTrip } from '../support/raw-wire.js'

// Issue 12, fuzzing: random and truncated wire messages (startup packets, SSLRequest variants,
// frontend messages before and after authentication) never crash the emulator nor leave a
// backend session behind. Short enough for `npm test`; FUZZ_RUNS=<n> runs each property n times.
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? '')
const runs = (short: number) => ({
  numRuns: Number.isInteger(FUZZ_RUNS) && FUZZ_RUNS > 0 ? FUZZ_RUNS : short,
})

const TAG = `fuzz_${process.pid}`

const int32 = (value: number) => {
  const out = Buffer.alloc(4)
  out.writeInt32BE(value | 0)
  return out
}

/** Cuts `bytes` at a point chosen by `cut` (0..1); 1 keeps them whole. */
const truncated = (bytes: Buffer, cut: number) => bytes.subarray(0, Math.round(bytes.length * cut))

const bytesArb = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b))
const cutArb = fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true }))
const textArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    'user',
    'database',
    'admin',
    'postgres',
    'options',
    '-c role=postgres',
    'replication',
    'role',
  ),
)

/** Startup-phase request codes: protocol 3.0 and 3.x, SSLRequest, GSSENCRequest, CancelRequest. */
const REQUEST_CODES = [196_608, 196_609, 80_877_103, 80_877_104, 80_877_102, 0, 131_072]

/** A startup-phase packet: a real shape with random fields, a wrong length, or plain noise. */
const startupPacketArb = fc.oneof(
  fc
    .tuple(fc.array(fc.tuple(textArb, textArb), { maxLength: 6 }), fc.constantFrom(...REQUEST_CODES), cutArb)
    .map(([pairs, code, cut]) => {
      const body = Buffer.concat([
        int32(code),
        ...pairs.map(([k, v]) => Buffer.from(`${k}\0${v}\0`)),
        Buffer.from([0]),
      ])
      return truncated(Buffer.concat([int32(body.length + 4), body]), cut)
    }),
  fc
    .tuple(fc.integer({ min: -1, max: 20_000 }), fc.constantFrom(...REQUEST_CODES), bytesArb(64))
    .map(([length, code, tail]) => Buffer.concat([int32(length), int32(code), tail])),
  fc.tuple(fc.integer(), fc.integer()).map(([pid, key]) => cancelRequest(pid, key)),
  bytesArb(512),
)

/** What a client may send before TLS: noise, or an SSLRequest or GSSENCRequest and then anything. */
const plainInputArb = fc.oneof(
  bytesArb(2048),
  startupPacketArb,
  fc
    .tuple(fc.constantFrom(sslRequest(), Buffer.concat([int32(8), int32(80_877_104)])), bytesArb(256), cutArb)
    .map(([request, tail, cut]) => truncated(Buffer.concat([request, tail]), cut)),
  fc.constant(Buffer.concat([int32(8), int32(80_877_104), sslRequest(), Buffer.from('not a TLS record')])),
  fc.constant(Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10])),
)

/** A frontend message: a known type or any byte, a body that may be nonsense, a length that may lie. */
const SQL = [
  'SELECT 1',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'SAVEPOINT s',
  'SELECT',
  "SELECT '",
  ';;',
  '',
  'COPY pg_catalog.pg_class FROM STDIN',
  "AWS IAM GRANT nobody TO 'arn:aws:iam::000000000000:role/x'",
  'CREATE INDEX ASYNC ON nothing (x)',
  'SHOW server_version',
]
const frontendMessageArb = fc.oneof(
  fc
    .tuple(fc.constantFrom(...SQL), fc.boolean())
    .map(([sql, terminated]) => message('Q', Buffer.from(terminated ? `${sql}\0` : sql))),
  fc
    .tuple(fc.constantFrom(...'PBEDSHCXFdcfp'.split('')), bytesArb(64))
    .map(([type, body]) => message(type, body)),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), bytesArb(64))
    .map(([type, body]) => message(String.fromCharCode(type), body)),
  fc
    .tuple(fc.constantFrom(...'QPBESdp'.split('')), fc.integer({ min: -1, max: 1 << 24 }), bytesArb(32))
    .map(([type, length, body]) => Buffer.concat([Buffer.from(type, 'latin1'), int32(length), body])),
)
const sessionInputArb = fc
  .tuple(fc.array(frontendMessageArb, { minLength: 1, maxLength: 6 }), cutArb)
  .map(([messages, cut]) => truncated(Buffer.concat(messages), cut))

/** Writes `bytes`, ends the connection, and resolves once the emulator has closed it too. */
function deliver(socket: net.Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined)
    socket.resume()
    if (socket.destroyed) return resolve()
    socket.once('close', () => resolve())
    socket.end(bytes)
  })
}

function plainSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** TLS the way libpq asks for it: SSLRequest, `S`, then the handshake. */
async function sslRequestTls(emu: Emulator): Promise<tls.TLSSocket> {
  const endpoint = emu.endpoints[0]!
  const socket = await plainSocket(endpoint.port)
  await new Promise<void>((resolve) => {
    socket.once('data', () => resolve())
    socket.write(sslRequest())
  })
  const secure = tls.connect({ socket, servername: endpoint.host, ca: readFileSync(emu.caCertPath, 'utf8') })
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve)
    secure.once('error', reject)
  })
  return secure
}

/** A connection signed in as admin, ready for queries (its session is tagged with TAG). */
async function signedIn(emu: Emulator): Promise<tls.TLSSocket> {
  const socket = await directTls(emu)
  const startup = new Map([
    ['user', 'admin'],
    ['database', 'postgres'],
    ['application_name', TAG],
  ])
  await roundTrip(socket, startupMessage(startup), (b) => b.includes(0x52))
  // AuthenticationOk ... ReadyForQuery: the reply ends with Z, length 5, status I.
  await roundTrip(socket, passwordMessage(await signToken(emu)), (b) =>
    b.subarray(-6).equals(Buffer.from('Z\0\0\0\x05I', 'latin1')),
  )
  return socket
}

describe('emulator wire fuzzing', () => {
  let server: EmbeddedBackend
  let emu: Emulator
  let monitor: pg.Client
  let witness: pg.Client & { errors: Error[] }
  const warnings: string[] = []
  const onWarning = (warning: Error) => warnings.push(warning.message)

  /** Client sessions on the backend that the emulator opened (its catalog signs in as postgres). */
  async function backendSessions(): Promise<number> {
    const { rows } = await monitor.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename = 'admin'",
    )
    return rows[0].n
  }

  /** Only the witness is left, on both sides, and it still works. */
  async function expectOnlyTheWitness(): Promise<void> {
    expect((await witness.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await expect.poll(() => emu.stats().cluster.BackendSessions, { timeout: 10_000 }).toBe(1)
    await expect.poll(() => emu.stats().cluster.ClusterConnectionCount, { timeout: 10_000 }).toBe(1)
    await expect.poll(backendSessions, { timeout: 10_000 }).toBe(1)
    expect(witness.errors).toEqual([])
    expect(warnings).toEqual([])
  }

  beforeAll(async () => {
    // A server of its own: its pg_stat_activity counts this file's sessions only.
    server = await startEmbeddedBackend()
    emu = await startEmulator({
      regions: ['us-east-1'],
      backend: server.url,
      connectRate: { perSec: 1_000_000, burst: 1_000_000 },
    })
    monitor = new pg.Client({ connectionString: server.url })
    await monitor.connect()
    witness = await connectClient(emu)
    process.on('warning', onWarning)
  })

  afterAll(async () => {
    process.off('warning', onWarning)
    await witness?.end()
    await monitor?.end()
    await emu?.stop()
    await server?.stop()
  })

  it('survives any bytes before TLS: noise, startup packets, SSL and GSS requests, cut anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(plainInputArb, async (bytes) => {
        await deliver(await plainSocket(emu.endpoints[0]!.port), bytes)
      }),
      runs(150),
    )
    await expectOnlyTheWitness()
  })

  it('survives any startup packet over TLS, by direct TLS or after an SSLRequest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), startupPacketArb, async (direct, bytes) => {
        await deliver(direct ? await directTls(emu) : await sslRequestTls(emu), bytes)
      }),
      runs(60),
    )
    await expectOnlyTheWitness()
  })

  it('survives any frontend messages after the startup packet, before the password', async () => {
    await fc.assert(
      fc.asyncProperty(sessionInputArb, async (bytes) => {
        const socket = await directTls(emu)
        const startup = startupMessage(
          new Map([
            ['user', 'admin'],
            ['database', 'postgres'],
          ]),
        )
        await roundTrip(socket, startup, (b) => b.includes(0x52))
        await deliver(socket, bytes)
      }),
      runs(40),
    )
    await expectOnlyTheWitness()
  })

  it('survives any frontend messages in a signed-in session, and ends its backend session', async () => {
    await fc.assert(
      fc.asyncProperty(sessionInputArb, async (bytes) => {
        await deliver(await signedIn(emu), bytes)
      }),
      runs(40),
    )
    await expectOnlyTheWitness()
  })
})
