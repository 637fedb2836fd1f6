import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { clientConfig, connectClient, connectError, signToken } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

const accessDenied = {
  code: '08006',
  severity: 'FATAL',
  message: 'unable to accept connection, access denied',
}

describe('emulator authentication', () => {
  let emu: Emulator
  const role = `auth_app_${process.pid}`

  beforeAll(async () => {
    emu = await startTestEmulator()
    const admin = await connectClient(emu)
    await admin.query(`DROP ROLE IF EXISTS ${role}`)
    await admin.query(`CREATE ROLE ${role} WITH LOGIN`)
    await admin.end()
  })

  afterAll(async () => {
    await emu?.stop()
  })

  it('accepts an admin token from the AWS signer and runs as admin', async () => {
    const client = await connectClient(emu)
    const { rows } = await client.query('SELECT current_user AS user, current_setting($1) AS tz', [
      'TimeZone',
    ])
    expect(rows).toEqual([{ user: 'admin', tz: 'UTC' }])
    await client.end()
  })

  it('reports server_version 16.15, UTF8 and UTC at startup', async () => {
    const statuses: Record<string, string> = {}
    const client = new pg.Client(clientConfig(emu))
    client.connection.on('parameterStatus', (msg: { parameterName: string; parameterValue: string }) => {
      statuses[msg.parameterName] = msg.parameterValue
    })
    await client.connect()
    await client.end()
    expect(statuses).toMatchObject({ server_version: '16.15', TimeZone: 'UTC', client_encoding: 'UTF8' })
  })

  it('accepts every Region endpoint with its own token', async () => {
    for (const endpoint of emu.endpoints) {
      const client = await connectClient(emu, { region: endpoint.region })
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await client.end()
    }
  })

  it('accepts temporary credentials with a session token', async () => {
    const client = await connectClient(emu, { credentials: emu.temporaryCredentials })
    await client.end()
  })

  it('refuses an expired token with the expiry in the hint', async () => {
    const token = await signToken(emu, { expiresInSec: 900 })
    emu.setClockOffset(900 + 120)
    try {
      const error = await connectError(emu, { password: token })
      expect(error).toMatchObject({
        ...accessDenied,
        hint: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z$/),
      })
    } finally {
      emu.setClockOffset(0)
    }
  })

  it('keeps a session open after its token expires (the token is checked only at startup)', async () => {
    const client = await connectClient(emu, { expiresInSec: 1 })
    emu.setClockOffset(600)
    try {
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }])
    } finally {
      emu.setClockOffset(0)
      await client.end()
    }
  })

  it.each([
    ['admin', 'DbConnect', 'Wrong user to action mapping. user: admin, action: DbConnect'],
    ['__ROLE__', 'DbConnectAdmin', 'Wrong user to action mapping. user: __ROLE__, action: DbConnectAdmin'],
  ] as const)('refuses user %s with a %s token', async (user, action, hint) => {
    const name = user === '__ROLE__' ? role : user
    const error = await connectError(emu, { user: name, action })
    expect(error).toMatchObject({ ...accessDenied, hint: hint.replace('__ROLE__', role) })
  })

  it("refuses a token signed for the other Region's endpoint", async () => {
    const [east1, east2] = emu.endpoints
    const error = await connectError(emu, {
      region: east2!.region,
      host: east1!.host,
      signingRegion: east1!.region,
    })
    expect(error).toMatchObject({
      ...accessDenied,
      hint: `User: ${emu.credentials.arn} is not authorized to access this resource`,
    })
  })

  it('refuses a tampered signature', async () => {
    const token = await signToken(emu)
    const tampered = token.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
    )
    expect(await connectError(emu, { password: tampered })).toMatchObject({
      ...accessDenied,
      hint: `User: ${emu.credentials.arn} is not authorized to access this resource`,
    })
  })

  it('refuses a secret key the emulator did not issue', async () => {
    const credentials = { ...emu.credentials, secretAccessKey: 'not-the-secret' }
    expect(await connectError(emu, { credentials })).toMatchObject(accessDenied)
  })

  it('refuses a database other than postgres with 3D000', async () => {
    expect(await connectError(emu, { database: 'orders' })).toMatchObject({
      code: '3D000',
      severity: 'FATAL',
      message: 'database "orders" does not exist',
    })
  })

  it('refuses a DbConnect token for a role with no IAM mapping', async () => {
    expect(await connectError(emu, { user: role })).toMatchObject({
      ...accessDenied,
      hint: `Cannot establish trust with role ${role}`,
    })
    expect(await connectError(emu, { user: 'no_such_role' })).toMatchObject({
      ...accessDenied,
      hint: 'Role no_such_role does not exist',
    })
  })

  it('maps a role with AWS IAM GRANT, runs with its privileges, and unmaps it with AWS IAM REVOKE', async () => {
    const admin = await connectClient(emu)
    const table = `auth_secrets_${process.pid}`
    await admin.query(`CREATE TABLE IF NOT EXISTS ${table} (v text)`)
    const grant = await admin.query(`AWS IAM GRANT ${role} TO '${emu.credentials.arn}'`)
    expect(grant.command).toBe('AWS')
    const mappings = await admin.query(
      'SELECT arn, pg_role_name FROM sys.iam_pg_role_mappings WHERE pg_role_name = $1',
      [role],
    )
    expect(mappings.rows).toEqual([{ arn: emu.credentials.arn, pg_role_name: role }])

    // Every Region sees the mapping: it lives in the shared backend.
    const app = await connectClient(emu, { user: role, region: emu.endpoints[1]!.region })
    expect((await app.query('SELECT current_user AS u, session_user AS s')).rows).toEqual([
      { u: role, s: role },
    ])
    await expect(app.query(`SELECT * FROM ${table}`)).rejects.toMatchObject({ code: '42501' })
    await expect(app.query('SET ROLE admin')).rejects.toMatchObject({ code: '42501' })
    await expect(app.query('SELECT value FROM dsql_emulator.secret')).rejects.toMatchObject({ code: '42501' })
    await expect(app.query(`AWS IAM GRANT ${role} TO '${emu.credentials.arn}'`)).rejects.toMatchObject({
      code: '42501',
      message: `permission denied to grant IAM trust with role ${role}`,
    })
    await app.end()

    await admin.query(`AWS IAM REVOKE ${role} FROM '${emu.credentials.arn}'`)
    expect(await connectError(emu, { user: role })).toMatchObject(accessDenied)
    await admin.query(`DROP TABLE ${table}`)
    await admin.end()
  })

  it('refuses AWS IAM GRANT of a role without LOGIN and of a malformed ARN', async () => {
    const admin = await connectClient(emu)
    const nologin = `auth_nologin_${process.pid}`
    await admin.query(`DROP ROLE IF EXISTS ${nologin}`)
    await admin.query(`CREATE ROLE ${nologin}`)
    await expect(admin.query(`AWS IAM GRANT ${nologin} TO '${emu.credentials.arn}'`)).rejects.toMatchObject({
      message: `role ${nologin} must have the LOGIN attribute`,
    })
    await expect(admin.query(`AWS IAM GRANT ${role} TO 'not-an-arn'`)).rejects.toMatchObject({
      message: 'IAM role must look like an IAM ARN',
    })
    // The session is still usable after the refusals.
    expect((await admin.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await admin.end()
  })

  it('counts token actions and refusals', async () => {
    const before = emu.stats().regions['us-east-1']!
    await (await connectClient(emu)).end()
    await connectError(emu, { action: 'DbConnect' })
    const after = emu.stats().regions['us-east-1']!
    expect(after.CallCount.DbConnectAdmin - before.CallCount.DbConnectAdmin).toBe(1)
    expect(after.CallCount.DbConnect - before.CallCount.DbConnect).toBe(1)
    expect(after.AuthFailures - before.AuthFailures).toBe(1)
  })
})
