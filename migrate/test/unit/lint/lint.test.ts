import { describe, expect, it } from 'vitest'
import * as api from '../../../src/index.js'
import { lint, MigrateOptionsError, transform } from '../../../src/index.js'

describe('lint', () => {
  it('is exported from the package entry', () => {
    expect(api.lint).toBe(lint)
  })

  it.each([
    ['clean', 'CREATE TABLE t (id uuid PRIMARY KEY, name text NOT NULL);'],
    ['fixed', 'CREATE TABLE t (id uuid PRIMARY KEY, email text); CREATE INDEX t_email ON t (email);'],
    ['advisory', 'CREATE TABLE t (id serial PRIMARY KEY);'],
    ['error', 'CREATE TABLE t (id uuid PRIMARY KEY); TRUNCATE t;'],
  ] as const)('reports a %s migration with the changes transform makes', async (status, sql) => {
    const result = await lint(sql, { source: 'm.sql' })
    expect(result.status).toBe(status)
    expect(result.changes).toEqual((await transform(sql, { source: 'm.sql' })).changes)
  })

  it('counts an acknowledged advisory as fixed', async () => {
    const sql = '-- pg-dsql-migrate: allow serial-to-identity\nCREATE TABLE t (id serial PRIMARY KEY);'
    const result = await lint(sql)
    expect(result.changes).toMatchObject([{ rule: 'serial-to-identity', acknowledged: true }])
    expect(result.status).toBe('fixed')
  })

  it('reports a syntax error as an error change with its place and statement, never a throw', async () => {
    const result = await lint('CREATE TABLE ok (id uuid PRIMARY KEY);\nCREATE TABLE t (id uuid PRIMARY KEY', {
      source: 'bad.sql',
    })
    expect(result.status).toBe('error')
    expect(result.changes).toEqual([
      expect.objectContaining({
        rule: 'syntax-error',
        severity: 'error',
        location: expect.objectContaining({ source: 'bad.sql', line: 2 }),
        statement: 'CREATE TABLE t (id uuid PRIMARY KEY',
      }),
    ])
  })

  it('says how to write an index name that carries a schema, which PostgreSQL cannot parse', async () => {
    const result = await lint('CREATE INDEX app.t_a ON app.t (a);')
    expect(result.changes[0]?.hint).toBe(
      "An index name takes no schema: write CREATE INDEX ASYNC t_a ON app.<table> (...); DSQL puts the index in its table's schema.",
    )
  })

  it('throws MigrateOptionsError naming a bad option', async () => {
    const refused = await lint('SELECT 1', { identityCache: 10 }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(MigrateOptionsError)
    expect(refused).toMatchObject({ option: 'identityCache', code: 'ERR_DSQL_MIGRATE_OPTIONS' })
  })
})
