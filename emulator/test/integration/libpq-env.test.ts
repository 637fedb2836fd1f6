import { readFileSync } from 'node:fs'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { startTestEmulator } from '../support/emulator.js'

// What a client in another language does with the printed environment: libpq's settings
// (host for TLS and the token, hostaddr and port for TCP, sslmode=verify-full against the CA)
// and a token signed for PGHOST in AWS_REGION with the printed keys.
describe('emulator env for libpq-style clients', () => {
  let emu: Emulator

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1', 'us-east-2'] })
  })

  afterAll(async () => {
    await emu?.stop()
  })

  it("names the first Region's endpoint in PGHOST, PGHOSTADDR and PGPORT", () => {
    const [first] = emu.endpoints
    expect(emu.env).toMatchObject({
      PGHOST: first!.host,
      PGHOSTADDR: first!.address,
      PGPORT: String(first!.port),
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: emu.caCertPath,
      PGUSER: 'admin',
      PGDATABASE: 'postgres',
      AWS_REGION: first!.region,
    })
  })

  it('connects with nothing but those variables and a token signed from them', async () => {
    const env = emu.env
    const signer = new DsqlSigner({
      hostname: env.PGHOST!,
      region: env.AWS_REGION!,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    })
    const client = new pg.Client({
      host: env.PGHOSTADDR,
      port: Number(env.PGPORT),
      user: env.PGUSER,
      database: env.PGDATABASE,
      password: await signer.getDbConnectAdminAuthToken(),
      ssl: {
        ca: readFileSync(env.PGSSLROOTCERT!, 'utf8'),
        servername: env.PGHOST!,
        rejectUnauthorized: true,
      },
    })
    await client.connect()
    try {
      expect((await client.query('SELECT current_user AS who')).rows).toEqual([{ who: 'admin' }])
    } finally {
      await client.end()
    }
  })
})
