import type pg from 'pg'
import { describe, expect, it, vi } from 'vitest'
import { BackendCatalog } from '../../../src/backend/backend-catalog.js'
import { EmulatorBackendError } from '../../../src/index.js'

/** A pg error as the backend sends it. */
const backendError = (code: string, message: string) => Object.assign(new Error(message), { code })

/** What the fake backend answers about itself. */
interface FakeServer {
  /** `server_version_num`; default 160004. */
  versionNum?: number
  /** `rights_beyond_admin` of admin; default none. */
  adminExcess?: string | null
  /** `trust_refusal` of the role whose password is reset; default none. */
  trustRefusal?: string | null
}

/**
 * A stand-in for pg.Pool that answers every statement, and fails those matching `failing` with
 * the errors given, in turn. It records the statements it ran.
 */
function fakePool(failing: RegExp, errors: Error[], server: FakeServer = {}) {
  const statements: string[] = []
  const query = async (sql: string) => {
    statements.push(sql)
    if (failing.test(sql) && errors.length > 0) throw errors.shift()
    if (sql.startsWith("SELECT current_setting('server_version_num')")) {
      const num = server.versionNum ?? 160_004
      return { rows: [{ num: String(num), version: `${Math.floor(num / 10_000)}.${num % 100}` }] }
    }
    if (sql.startsWith('SELECT dsql_emulator.rights_beyond_admin')) {
      return { rows: [{ excess: server.adminExcess ?? null }] }
    }
    if (sql.startsWith('SELECT to_regclass')) return { rows: [{ exists: false }] }
    if (sql.startsWith('SELECT value FROM dsql_emulator.secret')) return { rows: [{ value: 'secret' }] }
    if (sql.startsWith('SELECT CASE')) {
      return { rows: [{ sql: 'ALTER ROLE "app" PASSWORD \'x\'', refusal: server.trustRefusal ?? null }] }
    }
    return { rows: [] }
  }
  const pool = { connect: async () => ({ query, release: () => undefined }), query, on: () => pool }
  return { pool: pool as unknown as pg.Pool, statements }
}

const race = () => backendError('XX000', 'tuple concurrently updated')

describe('BackendCatalog', () => {
  it.each([
    ['tuple concurrently updated', race()],
    ['a duplicate role from a concurrent CREATE ROLE', backendError('23505', 'duplicate key value')],
  ])('bootstraps again after losing a role race (%s)', async (_name, error) => {
    const { pool, statements } = fakePool(/^ALTER ROLE admin PASSWORD/, [error])
    const catalog = await BackendCatalog.bootstrap(pool)
    expect(catalog.passwordFor('admin')).toMatch(/^[0-9a-f]{32}$/)
    expect(statements.filter((sql) => sql === 'BEGIN')).toHaveLength(2)
    expect(statements.filter((sql) => sql === 'ROLLBACK')).toHaveLength(1)
    expect(statements.at(-1)).toBe('COMMIT')
  })

  it('gives up after five lost races, and never retries another error', async () => {
    const lost = fakePool(/^ALTER ROLE admin PASSWORD/, [race(), race(), race(), race(), race()])
    await expect(BackendCatalog.bootstrap(lost.pool)).rejects.toThrow('tuple concurrently updated')
    expect(lost.statements.filter((sql) => sql === 'BEGIN')).toHaveLength(5)
    const denied = fakePool(/^CREATE SCHEMA/, [backendError('42501', 'permission denied for database')])
    await expect(BackendCatalog.bootstrap(denied.pool)).rejects.toThrow('permission denied')
    expect(denied.statements.filter((sql) => sql === 'BEGIN')).toHaveLength(1)
  })

  it('resets a password again after losing a role race', async () => {
    const { pool, statements } = fakePool(/^ALTER ROLE "app"/, [race()])
    const catalog = await BackendCatalog.bootstrap(pool)
    await catalog.resetPassword('app')
    expect(statements.filter((sql) => sql.startsWith('ALTER ROLE "app"'))).toHaveLength(2)
  })

  it('refuses a backend older than PostgreSQL 16 before changing anything, naming its version', async () => {
    const { pool, statements } = fakePool(/^$/, [], { versionNum: 150_008 })
    const error = await BackendCatalog.bootstrap(pool).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorBackendError)
    expect((error as Error).message).toMatch(
      /^Emulator option backend: the server runs PostgreSQL 15\.8, and the emulator needs 16 or later\. .*pg_execute_server_program/,
    )
    expect(statements).not.toContain('BEGIN')
  })

  it('refuses a backend whose admin role has more rights than DSQL gives admin, and rolls back', async () => {
    const excess = 'pg_read_server_files (a predefined role)'
    const { pool, statements } = fakePool(/^$/, [], { adminExcess: excess })
    const error = await BackendCatalog.bootstrap(pool).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorBackendError)
    expect((error as Error).message).toContain(`through ${excess}`)
    expect((error as Error).message).toContain('REVOKE pg_read_server_files FROM admin')
    expect(statements.at(-1)).toBe('ROLLBACK')
    expect(statements.some((sql) => sql.startsWith('ALTER ROLE admin PASSWORD'))).toBe(false)
  })

  it('pins the search path of every session it opens to pg_catalog', async () => {
    const { pool } = fakePool(/^$/, [])
    const on = vi.spyOn(pool, 'on')
    await BackendCatalog.bootstrap(pool)
    const [event, listener] = on.mock.calls[0] as [string, (client: { query: typeof pool.query }) => void]
    expect(event).toBe('connect')
    const ran: string[] = []
    listener({ query: (async (sql: string) => ran.push(sql)) as unknown as typeof pool.query })
    expect(ran).toEqual(['SET search_path = pg_catalog, pg_temp'])
  })

  it('never sets the password of a role the emulator may not log in as', async () => {
    const refusal = "role postgres has more rights than the roles DSQL's admin creates: postgres (SUPERUSER)"
    const { pool, statements } = fakePool(/^$/, [], { trustRefusal: refusal })
    const catalog = await BackendCatalog.bootstrap(pool)
    await expect(catalog.resetPassword('postgres')).rejects.toThrow(
      `the emulator does not set the password of role postgres: ${refusal}`,
    )
    expect(statements.some((sql) => sql.startsWith('ALTER ROLE "app"'))).toBe(false)
  })
})
