import { inspect } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDsqlPg,
  DsqlAuthError,
  DsqlClient,
  type DsqlCredentials,
  type DsqlEvent,
  DsqlPool,
  VERSION,
} from '../../../src/index.js'
import { nextEvent, optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

// A CA that signed nothing the emulator serves: Amazon Root CA 1, which real DSQL chains to.
const otherCa = `-----BEGIN CERTIFICATE-----
MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF
ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6
b24gUm9vdCBDQSAxMB4XDTE1MDUyNjAwMDAwMFoXDTM4MDExNzAwMDAwMFowOTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv
b3QgQ0EgMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALJ4gHHKeNXj
ca9HgFB0fW7Y14h29Jlo91ghYPl0hAEvrAIthtOgQ3pOsqTQNroBvo3bSMgHFzZM
9O6II8c+6zf1tRn4SWiw3te5djgdYZ6k/oI2peVKVuRF4fn9tBb6dNqcmzU5L/qw
IFAGbHrQgLKm+a/sRxmPUDgH3KKHOVj4utWp+UhnMJbulHheb4mjUcAwhmahRWa6
VOujw5H5SNz/0egwLX0tdHA114gk957EWW67c4cX8jJGKLhD+rcdqsq08p8kDi1L
93FcXmn/6pUCyziKrlA4b9v7LWIbxcceVOF34GfID5yHI9Y/QCB/IIDEgEw+OyQm
jgSubJrIqg0CAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMC
AYYwHQYDVR0OBBYEFIQYzIU07LwMlJQuCFmcx7IQTgoIMA0GCSqGSIb3DQEBCwUA
A4IBAQCY8jdaQZChGsV2USggNiMOruYou6r4lK5IpDB/G/wkjUu0yKGX9rbxenDI
U5PMCCjjmCXPI6T53iHTfIUJrU6adTrCC2qJeHZERxhlbI1Bjjt/msv0tadQ1wUs
N+gDS63pYaACbvXy8MWy7Vu33PqUXHeeE6V/Uq2V8viTO96LXFvKWlJbYK8U90vv
o/ufQJVtMVT8QtPHRh8jrdkPSHCa2XV4cdFyQzR1bldZwgJcJmApzyMZFo6IQ6XU
5MsI+yMRQ+hDKXJioaldXgjUkK642M4UwtBV8ob2xJNDd2ZhwLnoQdeXeGADbkpy
rqXRfboQnoZsG4q5WTP468SQvvG5
-----END CERTIFICATE-----
`

describe('DsqlPool through the emulator', () => {
  let emulator: Emulator

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('connects with verify-full TLS to host@address and runs queries', async () => {
    const pool = new DsqlPool(optionsFor(emulator))
    try {
      const { rows } = await pool.query<{ answer: number }>('SELECT 40 + $1::int AS answer', [2])
      expect(rows).toEqual([{ answer: 42 }])
      const { rows: settings } = await pool.query<{ application_name: string }>('SHOW application_name')
      expect(settings[0]?.application_name).toBe(`pg-dsql/${VERSION}`)
      expect(pool).toBeInstanceOf(pg.Pool)
    } finally {
      await pool.end()
    }
  })

  it('keeps the application_name the user sets', async () => {
    const pool = new DsqlPool(optionsFor(emulator, { application_name: 'orders-api' }))
    try {
      const { rows } = await pool.query<{ application_name: string }>('SHOW application_name')
      expect(rows[0]?.application_name).toBe('orders-api')
    } finally {
      await pool.end()
    }
  })

  it('signs one token for 1,000 queries and then 200 fresh connections', async () => {
    const events: DsqlEvent[] = []
    const options = optionsFor(emulator, { max: 10, onEvent: (event) => events.push(event) })
    const before = emulator.stats().cluster.CallCount.DbConnectAdmin
    // A module of its own: its token cache starts empty, whatever other tests of this file signed.
    const { Pool } = createDsqlPg()
    const pool = new Pool(options)
    try {
      await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.query('SELECT $1::int', [i])))
    } finally {
      await pool.end()
    }
    // A pool that opens a new connection for every query: 200 physical connections in a row.
    const fresh = new Pool({ ...options, max: 1, maxUses: 1 })
    try {
      for (let i = 0; i < 200; i++) await fresh.query('SELECT 1')
    } finally {
      await fresh.end()
    }
    const issued = events.filter((event) => event.type === 'token.issued')
    expect(issued).toHaveLength(1)
    expect(issued[0]).toMatchObject({ action: 'DbConnectAdmin', reason: 'initial', region: 'us-east-1' })
    const connects = events.filter((event) => event.type === 'connect').length
    expect(connects).toBeGreaterThanOrEqual(201)
    expect(emulator.stats().cluster.CallCount.DbConnectAdmin - before).toBe(connects)
  })

  it('shares one token cache between the clients an ORM builds one by one', async () => {
    const events: DsqlEvent[] = []
    const onEvent = (event: DsqlEvent) => events.push(event)
    const module = createDsqlPg(optionsFor(emulator, { onEvent }))
    for (let i = 0; i < 20; i++) {
      const client = new module.Client({ application_name: `sequelize-${i}` })
      await client.connect()
      const { rows } = await client.query<{ application_name: string }>('SHOW application_name')
      expect(rows[0]?.application_name).toBe(`sequelize-${i}`)
      await client.end()
    }
    expect(events.filter((event) => event.type === 'token.issued')).toHaveLength(1)
    expect(events.filter((event) => event.type === 'connect')).toHaveLength(20)
  })

  it('signs afresh and retries once when the server refuses a cached token', async () => {
    const events: DsqlEvent[] = []
    let calls = 0
    const good = emulator.credentials
    // Rotated credentials: the first identity (already used for the cached token) is revoked.
    const credentials = async (): Promise<DsqlCredentials> => {
      calls++
      const expiration = new Date(Date.now() + 2 * 60_000)
      return calls === 1
        ? { accessKeyId: good.accessKeyId, secretAccessKey: 'revoked-secret', expiration }
        : { accessKeyId: good.accessKeyId, secretAccessKey: good.secretAccessKey, expiration }
    }
    const pool = new DsqlPool(optionsFor(emulator, { credentials, onEvent: (event) => events.push(event) }))
    try {
      const { rows } = await pool.query('SELECT 1 AS ok')
      expect(rows).toEqual([{ ok: 1 }])
    } finally {
      await pool.end()
    }
    expect(events.filter((event) => event.type === 'token.issued').map((event) => event.reason)).toEqual([
      'initial',
      'rejected',
    ])
    expect(events.filter((event) => event.type === 'connect.error')).toHaveLength(1)
  })

  it('surfaces a second refusal as DsqlAuthError with DSQL hint and never the token', async () => {
    const events: DsqlEvent[] = []
    const secret = 'definitely-not-the-secret'
    const pool = new DsqlPool(
      optionsFor(emulator, {
        credentials: { accessKeyId: emulator.credentials.accessKeyId, secretAccessKey: secret },
        onEvent: (event) => events.push(event),
      }),
    )
    const error = await pool.query('SELECT 1').catch((caught: unknown) => caught)
    await pool.end()
    expect(error).toBeInstanceOf(DsqlAuthError)
    const authError = error as DsqlAuthError
    expect(authError.code).toBe('08006')
    expect(authError.hint).toMatch(/not authorized/)
    expect(authError.message).toContain(authError.hint as string)
    expect(authError.message).toContain(emulator.endpoints[0]?.host as string)
    const everything = [
      authError.message,
      inspect(authError, { depth: 5 }),
      JSON.stringify(events),
      inspect(pool, { depth: 3 }),
    ].join('\n')
    expect(everything).not.toContain(secret)
    expect(everything).not.toContain('X-Amz-Signature')
    expect(everything).not.toContain(emulator.credentials.secretAccessKey)
  })

  it('replaces connections the server closes while idle without surfacing an error', async () => {
    const short = await startTestEmulator({ regions: ['us-east-1'], maxConnectionAgeSec: 1 })
    const events: DsqlEvent[] = []
    const pool = new DsqlPool(optionsFor(short, { max: 2, onEvent: (event) => events.push(event) }))
    const poolErrors: unknown[] = []
    pool.on('error', (error) => poolErrors.push(error))
    try {
      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 2')])
      const lost = await nextEvent(events, 'connection.lost')
      expect(lost).toMatchObject({ type: 'connection.lost', region: 'us-east-1' })
      const { rows } = await pool.query<{ n: number }>('SELECT 3 AS n')
      expect(rows).toEqual([{ n: 3 }])
      expect(poolErrors).toEqual([])
    } finally {
      await pool.end()
      await short.stop()
    }
  })

  it('retires each connection at its own jittered lifetime, never while checked out', async () => {
    const events: DsqlEvent[] = []
    const recycled = () => events.filter((event) => event.type === 'connection.recycled')
    const pool = new DsqlPool(
      optionsFor(emulator, { max: 8, maxLifetimeSeconds: 1, onEvent: (event) => events.push(event) }),
    )
    try {
      const held = await pool.connect()
      await Promise.all(Array.from({ length: 7 }, () => pool.query('SELECT pg_sleep(0.05)')))
      expect(pool.totalCount).toBe(8)
      while (recycled().length < 8) await nextEvent(events, 'connection.recycled')
      // Every lifetime ran out; the seven idle connections are gone, the checked-out one still works.
      expect(pool.totalCount).toBe(1)
      expect((await held.query('SELECT 1 AS still')).rows).toEqual([{ still: 1 }])
      held.release()
      expect(pool.totalCount).toBe(0)
      const ages = recycled().map((event) => event.ageMs)
      expect(Math.min(...ages)).toBeGreaterThanOrEqual(800)
      expect(Math.max(...ages) - Math.min(...ages)).toBeGreaterThan(5)
    } finally {
      await pool.end()
    }
  })
})

describe('DsqlClient through the emulator', () => {
  let emulator: Emulator

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('connects standalone and reports the endpoint it chose', async () => {
    const client = new DsqlClient(optionsFor(emulator))
    await client.connect()
    try {
      expect(client.endpoint?.host).toBe(emulator.endpoints[0]?.host)
      expect(client).toBeInstanceOf(pg.Client)
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    } finally {
      await client.end()
    }
  })

  it('refuses a server certificate that does not chain to the given CA', async () => {
    const client = new DsqlClient({ ...optionsFor(emulator), ssl: { ca: otherCa } })
    await expect(client.connect()).rejects.toThrow(/self-signed|unable to (get|verify)/)
  })

  it('still verifies with sslmode=require in a URL (against the system CAs here)', async () => {
    const { ssl: _ssl, ...options } = optionsFor(emulator)
    const client = new DsqlClient({
      ...options,
      connectionString: 'postgres://admin@ignored.example.com/postgres?sslmode=require',
    })
    await expect(client.connect()).rejects.toThrow(/self-signed|unable to (get|verify)/)
  })

  it('connects without verification only when told so explicitly', async () => {
    const client = new DsqlClient({ ...optionsFor(emulator), ssl: { rejectUnauthorized: false } })
    await client.connect()
    await client.end()
  })

  it('negotiates TLS directly when sslnegotiation is direct', async () => {
    const client = new DsqlClient({ ...optionsFor(emulator), sslnegotiation: 'direct' })
    await client.connect()
    try {
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    } finally {
      await client.end()
    }
  })

  it('gets the emulator refusal when TLS is off on loopback', async () => {
    const client = new DsqlClient({ ...optionsFor(emulator), ssl: false })
    await expect(client.connect()).rejects.toMatchObject({
      code: '08006',
      message: expect.stringContaining('SSL is required'),
    })
  })
})
