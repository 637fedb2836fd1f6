import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { clientConfig, connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

// One server_version everywhere a client can read it (issue 13 item 5), as a DSQL cluster
// answers (observed 2026-09-15, Dreamescaper/dsql-emulator environment.json: SHOW
// server_version 16.15, server_version_num 160015, version() "PostgreSQL 16"), whatever the
// backend's own minor version.

const VERSION = '16.15'
const VERSION_NUM = '160015'

type Query = string | pg.QueryConfig
const extended = (text: string): pg.QueryConfig => ({ text, queryMode: 'extended' }) as pg.QueryConfig

describe('server_version', () => {
  let emu: Emulator
  let client: pg.Client

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'] })
    client = await connectClient(emu)
  })

  afterAll(async () => {
    await client?.end()
    await emu?.stop()
  })

  it('is 16.15 in the ParameterStatus at startup', async () => {
    const statuses: Record<string, string> = {}
    const fresh = new pg.Client(clientConfig(emu))
    fresh.connection.on('parameterStatus', (msg: { parameterName: string; parameterValue: string }) => {
      statuses[msg.parameterName] = msg.parameterValue
    })
    await fresh.connect()
    await fresh.end()
    expect(statuses.server_version).toBe(VERSION)
  })

  it.each<[string, Query, Record<string, unknown>]>([
    ['SHOW, simple protocol', 'SHOW server_version', { server_version: VERSION }],
    ['SHOW, extended protocol', extended('SHOW server_version'), { server_version: VERSION }],
    ['SHOW server_version_num, simple', 'show SERVER_VERSION_NUM', { server_version_num: VERSION_NUM }],
    [
      'SHOW server_version_num, extended',
      extended('SHOW server_version_num'),
      { server_version_num: VERSION_NUM },
    ],
    ['current_setting(), simple', "SELECT current_setting('server_version')", { current_setting: VERSION }],
    [
      'current_setting(), extended',
      extended("SELECT pg_catalog.current_setting('server_version')"),
      { current_setting: VERSION },
    ],
    [
      'current_setting() of server_version_num, cast',
      extended("SELECT current_setting('server_version_num')::int AS n"),
      { n: Number(VERSION_NUM) },
    ],
    ['version(), simple', 'SELECT version()', { version: 'PostgreSQL 16' }],
    ['version(), extended', extended('SELECT version()'), { version: 'PostgreSQL 16' }],
  ])('answers %s as DSQL', async (_name, query, row) => {
    const result = await client.query(query as pg.QueryConfig)
    expect(result.rows).toEqual([row])
  })

  it('keeps SHOW its command tag and column', async () => {
    const result = await client.query(extended('SHOW server_version'))
    expect(result.command).toBe('SHOW')
    expect(result.fields.map((f) => f.name)).toEqual(['server_version'])
  })

  it('answers in every statement of a multi-statement query, and leaves the others alone', async () => {
    const results = (await client.query(
      "SELECT 1 AS one; SHOW server_version; SHOW TimeZone; SELECT current_setting('server_version_num') AS num, version()",
    )) as unknown as pg.QueryResult[]
    expect(results.map((r) => r.rows)).toEqual([
      [{ one: 1 }],
      [{ server_version: VERSION }],
      [{ TimeZone: 'UTC' }],
      [{ num: VERSION_NUM, version: 'PostgreSQL 16' }],
    ])
    expect(results.map((r) => r.command)).toEqual(['SELECT', 'SHOW', 'SHOW', 'SELECT'])
  })

  it('answers inside a transaction', async () => {
    await client.query('BEGIN')
    try {
      expect((await client.query(extended('SHOW server_version'))).rows).toEqual([
        { server_version: VERSION },
      ])
      expect((await client.query("SELECT current_setting('server_version') AS v")).rows).toEqual([
        { v: VERSION },
      ])
    } finally {
      await client.query('ROLLBACK')
    }
  })
})
