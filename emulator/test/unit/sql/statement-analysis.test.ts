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
    expect(version).toMatchObject({ rewritten: true, text: "SELECT 'PostgreSQL 16'::text AS version" })
    expect(analyzeSql('SHOW server_version', parser, '2026')[0]?.showValue).toBe('16.15')
    expect(analyzeSql('SHOW Server_Version_Num', parser, '2026')[0]?.showValue).toBe('160015')
    expect(analyzeSql('SHOW search_path', parser, '2026')[0]?.showValue).toBeUndefined()
  })

  it.each([
    ["SELECT current_setting('server_version')", "SELECT '16.15'::text AS current_setting"],
    [
      "select pg_catalog.current_setting('server_version_num', true)::int >= 160000 AS new",
      "SELECT CAST('160015'::text AS int) >= 160000 AS new",
    ],
    [
      "SELECT current_setting('server_version_num')::int",
      "SELECT CAST('160015'::text AS int) AS current_setting",
    ],
    [
      "SELECT split_part(version(), ' ', 2) AS major",
      "SELECT split_part('PostgreSQL 16'::text, ' ', 2) AS major",
    ],
  ])('answers %j as DSQL, wherever the call is', (sql, text) => {
    expect(analyzeSql(sql, parser, '2026')[0]).toMatchObject({ rewritten: true, text })
  })

  it("leaves other settings and other schemas' version() to the backend", () => {
    for (const sql of ["SELECT current_setting('search_path')", 'SELECT app.version()']) {
      expect(analyzeSql(sql, parser, '2026')[0]).toMatchObject({ rewritten: false, text: sql })
    }
  })

  it('blanks ASYNC out of CREATE INDEX ASYNC for the backend, and describes its job', () => {
    const [index] = analyzeSql('/* x */ create unique index async i on s.t (a)', parser, '2026')
    expect(index).toMatchObject({ class: 'ddl', refusal: undefined, rewritten: true })
    expect(index?.job).toEqual({ type: 'INDEX_BUILD', tag: 'CREATE INDEX', table: '"s"."t"', indexName: 'i' })
    expect(index?.text).toBe('/* x */ create unique index       i on s.t (a)')
  })

  it('reads ALTER TABLE ASYNC ... VALIDATE CONSTRAINT in profile 2026 only', () => {
    const sql = 'ALTER TABLE ASYNC t VALIDATE CONSTRAINT c'
    const [validate] = analyzeSql(sql, parser, '2026')
    expect(validate).toMatchObject({ class: 'ddl', refusal: undefined, rewritten: true })
    expect(validate?.job).toEqual({
      type: 'VALIDATE_CONSTRAINT',
      tag: 'ALTER TABLE',
      table: '"t"',
      indexName: undefined,
    })
    expect(analyzeSql(sql, parser, 'late-2025')[0]).toMatchObject({
      class: 'other',
      job: undefined,
      text: sql,
    })
  })

  it('reads ASYNC in any statement of a query, and never inside a string or a comment', () => {
    const sql = "SELECT 'CREATE INDEX ASYNC x'; /* ALTER TABLE ASYNC */ CREATE INDEX ASYNC i ON t (a)"
    const statements = analyzeSql(sql, parser, '2026')
    expect(statements.map((s) => s.job?.type)).toEqual([undefined, 'INDEX_BUILD'])
    expect(statements[0]?.text).toBe("SELECT 'CREATE INDEX ASYNC x'")
    expect(statements[1]?.text).toBe('/* ALTER TABLE ASYNC */ CREATE INDEX       i ON t (a)')
  })

  it('marks CALL sys.wait_for_job, qualified or found on the search path', () => {
    const waits = (sql: string) => analyzeSql(sql, parser, '2026')[0]?.waitsForJob
    expect(waits("CALL sys.wait_for_job('x')")).toBe(true)
    expect(waits('call wait_for_job($1)')).toBe(true)
    expect(waits("CALL app.wait_for_job('x')")).toBe(false)
    expect(waits('SELECT 1')).toBe(false)
  })
})
