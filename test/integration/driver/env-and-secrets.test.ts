import diagnostics from 'node:diagnostics_channel'
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDsqlPg, DsqlClient, type DsqlEvent, DsqlPool, dsqlPg } from '../../../src/index.js'
import { startTestEmulator } from '../../support/emulator.js'

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

describe('configured by the environment, and never leaking a secret', () => {
  let emulator: Emulator
  const captured: string[] = []
  const onChannel = (message: unknown) => captured.push(JSON.stringify(message))
  const onWarning = (warning: Error) => captured.push(`${warning.name}: ${warning.message}`)
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write }

  beforeAll(async () => {
    emulator = await startTestEmulator()
    // This file runs in its own worker process: the environment is the emulator's, as an app's
    // would be after `pg-dsql emulator --env-file` (every secret in it stays out of any output).
    Object.assign(process.env, emulator.env)
    diagnostics.subscribe('pg-dsql:event', onChannel)
    process.on('warning', onWarning)
    for (const stream of ['stdout', 'stderr'] as const) {
      const original = writes[stream]
      process[stream].write = ((chunk: unknown, ...rest: unknown[]) => {
        captured.push(String(chunk))
        return (original as (...args: unknown[]) => boolean).call(process[stream], chunk, ...rest)
      }) as typeof process.stdout.write
    }
  })

  afterAll(async () => {
    process.stdout.write = writes.stdout
    process.stderr.write = writes.stderr
    diagnostics.unsubscribe('pg-dsql:event', onChannel)
    process.off('warning', onWarning)
    await emulator?.stop()
  })

  it('builds pools and clients from an ORM-style plain pg config plus the environment', async () => {
    const pool = new dsqlPg.Pool({ max: 2, idleTimeoutMillis: 1000 })
    try {
      const { rows } = await pool.query<{ db: string; user: string }>(
        'SELECT current_database() AS db, current_user AS user',
      )
      expect(rows).toEqual([{ db: 'postgres', user: 'admin' }])
      expect(pool).toBeInstanceOf(DsqlPool)
    } finally {
      await pool.end()
    }
    const client = new dsqlPg.Client({ application_name: 'orm-client' })
    await client.connect()
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await client.end()
    expect(client).toBeInstanceOf(DsqlClient)
    expect('native' in dsqlPg).toBe(false)
    expect(dsqlPg.types).toBeDefined()
  })

  it('applies createDsqlPg defaults under the caller config', async () => {
    const module = createDsqlPg({ application_name: 'default-name', max: 1 })
    const pool = new module.Pool({ application_name: 'caller-name' })
    try {
      const { rows } = await pool.query<{ name: string }>(
        "SELECT current_setting('application_name') AS name",
      )
      expect(rows).toEqual([{ name: 'caller-name' }])
      expect(pool.options.max).toBe(1)
    } finally {
      await pool.end()
    }
  })

  it('prints, emits and throws nothing that holds a token, a secret key or a session token', async () => {
    const events: DsqlEvent[] = []
    const errors: unknown[] = []
    const pool = new DsqlPool({ onEvent: (event) => events.push(event), max: 2 })
    await pool.query('SELECT 1')
    await pool.transaction((client) => client.query('SELECT 2'))
    emulator.inject({ kind: 'occ', count: 1 })
    await pool.transaction((client) =>
      client.query('CREATE TABLE IF NOT EXISTS secrets_probe (id int PRIMARY KEY)'),
    )
    // Refusals: a wrong secret, then temporary credentials with a wrong session token.
    const wrong = new DsqlPool({
      credentials: { accessKeyId: emulator.credentials.accessKeyId, secretAccessKey: 'wrong-secret-value' },
    })
    errors.push(await wrong.query('SELECT 1').catch((error: unknown) => error))
    await wrong.end()
    const temporary = emulator.temporaryCredentials
    const session = new DsqlClient({
      credentials: {
        accessKeyId: temporary.accessKeyId,
        secretAccessKey: temporary.secretAccessKey,
        sessionToken: `${temporary.sessionToken}tampered`,
      },
    })
    errors.push(await session.connect().catch((error: unknown) => error))
    emulator.isolate('us-east-2', { mode: 'refuse', existing: 'drop' })
    errors.push(
      await new DsqlClient({ endpoints: emulator.env.DSQL_ENDPOINTS?.split(',')[1] })
        .connect()
        .catch((error: unknown) => error),
    )
    emulator.heal('us-east-2')
    await pool.end()

    const secrets = [
      emulator.credentials.secretAccessKey,
      temporary.secretAccessKey,
      temporary.sessionToken,
      'wrong-secret-value',
      readFileSync(emulator.caCertPath, 'utf8').split('\n')[1] ?? 'unused',
    ]
    const everything = [
      ...captured,
      JSON.stringify(events),
      ...errors.flatMap((error) => [String(error), inspect(error, { depth: 6, showHidden: true })]),
      inspect(pool, { depth: 4 }),
      inspect(pool.dsqlConfig, { depth: 4, showHidden: false }),
      JSON.stringify(pool.dsqlConfig),
    ].join('\n')
    expect(errors.every((error) => error instanceof Error)).toBe(true)
    expect(events.some((event) => event.type === 'token.issued')).toBe(true)
    for (const secret of secrets.slice(0, 4)) expect(everything).not.toContain(secret)
    expect(everything).not.toMatch(/X-Amz-Signature=[0-9a-f]{16}/)
    expect(everything).not.toMatch(/X-Amz-Security-Token=/)
    expect(everything).not.toMatch(/Action=DbConnect(Admin)?&X-Amz/)
  })
})
