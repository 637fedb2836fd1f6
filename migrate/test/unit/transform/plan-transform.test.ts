import { describe, expect, it } from 'vitest'
import { SqlSyntaxError } from '../../../src/sql/index.js'
import { renderSql, transform } from '../../../src/transform/index.js'

describe('planTransform', () => {
  it('places each change at the word it is about, with the source named', async () => {
    const sql =
      '-- 0002\nCREATE TABLE t (\n  note text,\n  id serial PRIMARY KEY\n);\nCREATE INDEX i ON t (note);'
    const { changes } = await transform(sql, { source: 'migrations/0002.sql' })
    expect(changes.map((c) => [c.rule, c.location])).toEqual([
      ['serial-to-identity', { source: 'migrations/0002.sql', line: 4, column: 6, offset: 43 }],
      ['index-async', { source: 'migrations/0002.sql', line: 6, column: 1, offset: 65 }],
    ])
    expect(changes[0]?.statement).toBe('CREATE TABLE t (\n  note text,\n  id serial PRIMARY KEY\n)')
  })

  it('counts characters, not UTF-8 bytes, past text in other alphabets', async () => {
    const { changes } = await transform(
      "COMMENT ON TABLE t IS 'Bestellungen für Kunden — 注文';\nCREATE TABLE t (id serial)",
    )
    expect(changes[0]?.location).toMatchObject({ line: 2, column: 20 })
  })

  it('gives every statement the place of the statement it came from', async () => {
    const { statements } = await transform('SELECT 1;\nALTER TABLE t ADD UNIQUE (a);')
    expect(statements.map((s) => [s.kind, s.location.line])).toEqual([
      ['other', 1],
      ['ddl', 2],
      ['ddl', 2],
    ])
  })

  it('counts an advisory acknowledged by a comment before its statement as fixed', async () => {
    const sql =
      '-- pg-dsql-migrate: allow serial-to-identity, index-desc-removed\nCREATE TABLE t (id serial);\nCREATE TABLE u (id serial);'
    const result = await transform(sql)
    expect(result.changes.map((c) => [c.rule, c.location.line, c.acknowledged ?? false])).toEqual([
      ['serial-to-identity', 2, true],
      ['serial-to-identity', 3, false],
    ])
    expect(result.status).toBe('advisory')
    const allowed = await transform(
      '-- pg-dsql-migrate: allow serial-to-identity\nCREATE TABLE t (id serial)',
    )
    expect(allowed.status).toBe('fixed')
  })

  it('does not let a comment acknowledge an error', async () => {
    const result = await transform('-- pg-dsql-migrate: allow truncate\nTRUNCATE t')
    expect(result.changes[0]).not.toHaveProperty('acknowledged')
    expect(result.status).toBe('error')
  })

  it('is deterministic and frozen', async () => {
    const sql = 'CREATE TABLE t (id serial); ALTER TABLE t ADD UNIQUE (id); CREATE INDEX i ON t (id DESC);'
    const first = await transform(sql)
    expect(await transform(sql)).toEqual(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(Object.isFrozen(first.statements[0])).toBe(true)
    expect(Object.isFrozen(first.changes[0])).toBe(true)
  })

  it('throws SqlSyntaxError where PostgreSQL cannot parse, with the place', async () => {
    await expect(
      transform('CREATE TABLE t (a int);\nCREATE TABEL u (a int)', { source: 'x.sql' }),
    ).rejects.toSatisfy(
      (error) =>
        error instanceof SqlSyntaxError && error.location.line === 2 && error.location.source === 'x.sql',
    )
  })

  it('renders statements that transform reads back, even after a trailing line comment', async () => {
    const result = await transform(
      'CREATE TABLE t (a int) -- the first\n;CREATE INDEX i ON t (a) -- the second',
    )
    const again = await transform(renderSql(result.statements))
    expect(again.statements.map((s) => s.sql)).toEqual(result.statements.map((s) => s.sql))
    expect(renderSql(result.statements)).toBe(
      'CREATE TABLE t (a int) -- the first\n;\n\nCREATE INDEX ASYNC i ON t (a) -- the second\n;\n',
    )
  })
})
