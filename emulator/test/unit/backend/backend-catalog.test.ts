import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import { BackendCatalog } from '../../../src/backend/backend-catalog.js'

/** A pg error as the backend sends it. */
const backendError = (code: string, message: string) => Object.assign(new Error(message), { code })

/**
 * A stand-in for pg.Pool that answers every statement, and fails those matching `failing` with
 * the errors given, in turn. It records the statements it ran.
 */
function fakePool(failing: RegExp, errors: Error[]) {
  const statements: string[] = []
  const query = async (sql: string) => {
    statements.push(sql)
    if (failing.test(sql) && errors.length > 0) throw errors.shift()
    if (sql.startsWith('SELECT to_regclass')) return { rows: [{ exists: false }] }
    if (sql.startsWith('SELECT value FROM dsql_emulator.secret')) return { rows: [{ value: 'secret' }] }
    if (sql.startsWith('SELECT format')) return { rows: [{ sql: 'ALTER ROLE "app" PASSWORD \'x\'' }] }
    return { rows: [] }
  }
  const pool = { connect: async () => ({ query, release: () => undefined }), query }
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
})
