import { beforeAll, describe, expect, it } from 'vitest'
import { loadSqlParser, type SqlParser } from '../../../src/sql/sql-parser.js'
import { analyzeSql } from '../../../src/sql/statement-analysis.js'

let parser: SqlParser
beforeAll(async () => {
  parser = await loadSqlParser()
})

describe('analyzeSql', () => {
  const classes = (sql: string) => analyzeSql(sql, parser, '2026').map((s) => s.class)

  it.each([
    ['/* UPDATE */ SELECT 1', ['read']],
    ["SELECT 'DELETE FROM t'", ['read']],
    ['select "update" from t', ['read']],
    ['-- COMMIT\nbegin', ['begin']],
    ['EnD', ['commit']],
    ['abort', ['rollback']],
    ['WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x', ['write']],
    ['SELECT * FROM t FOR KEY SHARE', ['lock']],
    ['EXPLAIN ANALYZE UPDATE t SET a = 1', ['write']],
    ['EXPLAIN UPDATE t SET a = 1', ['read']],
    ['COPY t FROM STDIN', ['write']],
    ['GRANT SELECT ON t TO PUBLIC', ['ddl']],
    ['SET search_path = x; SHOW search_path', ['session', 'session']],
    ['SELEC 1', ['other']],
  ])('classifies %j', (sql, expected) => {
    expect(classes(sql)).toEqual(expected)
  })

  it('answers version() and SHOW server_version as a DSQL cluster', () => {
    const [version] = analyzeSql('select version()', parser, '2026')
    expect(version).toMatchObject({ rewritten: true, text: "SELECT 'PostgreSQL 16' AS version" })
    expect(analyzeSql('SHOW server_version', parser, '2026')[0]?.answer).toEqual({
      column: 'server_version',
      value: '16.15',
    })
  })

  it('strips ASYNC from CREATE INDEX ASYNC for the backend', () => {
    const [index] = analyzeSql('/* x */ create unique index async i on t (a)', parser, '2026')
    expect(index).toMatchObject({ class: 'ddl', asyncIndex: true, refusal: undefined, rewritten: true })
    expect(index?.text).toMatch(/^\/\* x \*\/ create unique index {2}i on t \(a\)$/)
  })
})
