import { describe, expect, it } from 'vitest'
import { loadSqlParser, nodeType, SqlSyntaxError } from '../../../src/sql/index.js'

describe('the SQL parser', () => {
  it('cuts statements with their text and where each starts, past leading comments', async () => {
    const parser = await loadSqlParser()
    const sql =
      '-- users first\nCREATE TABLE users (id uuid PRIMARY KEY);\n  /* then */ CREATE INDEX i ON users (id);'
    const statements = parser.parse(sql, '0001.sql')
    expect(statements.map((s) => [s.text, nodeType(s.node), s.location])).toEqual([
      [
        'CREATE TABLE users (id uuid PRIMARY KEY)',
        'CreateStmt',
        { source: '0001.sql', line: 2, column: 1, offset: 15 },
      ],
      ['CREATE INDEX i ON users (id)', 'IndexStmt', { source: '0001.sql', line: 3, column: 14, offset: 70 }],
    ])
  })

  it("reads DSQL's ASYNC forms, but not the word inside a string or a comment", async () => {
    const parser = await loadSqlParser()
    const statements = parser.parse(
      "CREATE TABLE t (a text DEFAULT 'ALTER TABLE ASYNC x'); -- CREATE INDEX ASYNC\n" +
        'CREATE UNIQUE INDEX ASYNC t_a ON t (a);\nALTER TABLE ASYNC t VALIDATE CONSTRAINT t_fk',
    )
    expect(statements.map((s) => [nodeType(s.node), s.async])).toEqual([
      ['CreateStmt', undefined],
      ['IndexStmt', 'index'],
      ['AlterTableStmt', 'alter-table'],
    ])
    expect(statements[1]?.text).toBe('CREATE UNIQUE INDEX ASYNC t_a ON t (a)')
  })

  it('counts characters, not UTF-8 bytes, in locations', async () => {
    const parser = await loadSqlParser()
    const [, second] = parser.parse("SELECT 'héllo wörld';\nSELECT 2")
    expect(second?.location).toEqual({ line: 2, column: 1, offset: 22 })
    expect(second?.text).toBe('SELECT 2')
  })

  it('refuses a syntax error with where it is', async () => {
    const parser = await loadSqlParser()
    const error = (() => {
      try {
        parser.parse('SELECT 1;\nCREATE TABLE (', 'bad.sql')
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(SqlSyntaxError)
    expect(error).toMatchObject({
      code: 'ERR_DSQL_MIGRATE_SYNTAX',
      message: 'syntax error at or near "("',
      location: { source: 'bad.sql', line: 2, column: 14 },
    })
  })
})
