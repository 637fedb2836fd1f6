import { beforeAll, describe, expect, it } from 'vitest'
import { loadSqlParser, type SqlParser } from '../../../src/sql/sql-parser.js'
import { analyzeSql } from '../../../src/sql/statement-analysis.js'

let parser: SqlParser
beforeAll(async () => {
  parser = await loadSqlParser()
})

const refusal = (sql: string, profile: '2026' | 'late-2025' = '2026') =>
  analyzeSql(sql, parser, profile)[0]?.refusal?.message

describe('dialect rules, edge cases', () => {
  it.each([
    [
      'ALTER TABLE ASYNC t VALIDATE CONSTRAINT a, VALIDATE CONSTRAINT b',
      'syntax error at or near "VALIDATE"',
    ],
    ['ALTER TABLE ASYNC IF EXISTS ONLY "T x" ALTER COLUMN a DROP DEFAULT', 'syntax error at or near "ALTER"'],
    [
      'ALTER TABLE t ADD CONSTRAINT k PRIMARY KEY USING INDEX i',
      'unsupported ALTER TABLE ADD CONSTRAINT statement',
    ],
    ['ALTER TABLE t ENABLE ROW LEVEL SECURITY', 'unsupported ALTER TABLE statement'],
    ['ALTER MATERIALIZED VIEW mv ALTER COLUMN a SET STATISTICS 5', 'unsupported object in ALTER statement'],
    [
      "SELECT ts_headline('english', 'doc', 'q'::tsquery, 'MaxWords=5')",
      'text search configuration "english" does not exist',
    ],
    [
      "CREATE VIEW v AS SELECT to_tsvector('german', 'x')",
      'text search configuration "german" does not exist',
    ],
    ['CREATE TABLE t (a int CHECK (box(a) IS NULL))', 'datatype box not supported'],
    ['CREATE INDEX ASYNC i ON t USING hash (a)', 'access method "hash" not supported for CREATE INDEX'],
  ])('refuses %j', (sql, message) => {
    expect(refusal(sql)).toBe(message)
  })

  it.each([
    'ALTER VIEW v ALTER COLUMN a SET DEFAULT 1',
    'ALTER INDEX i RENAME TO j',
    'ALTER TABLE t RENAME TO u',
    'ALTER TABLE t SET SCHEMA s',
    'ALTER TABLE t ALTER COLUMN a SET STORAGE PLAIN, ALTER COLUMN b DROP EXPRESSION',
    "SELECT app.point(1, 2), app.to_tsvector('english', 'x')",
    'SELECT point FROM t',
    "SELECT to_tsvector(cfg, 'x') FROM t",
    'DROP DOMAIN d',
    'ALTER DOMAIN d RENAME TO e',
  ])('lets %j through', (sql) => {
    expect(refusal(sql)).toBeUndefined()
  })

  it('keeps the profile split for the 2026 features', () => {
    expect(refusal('ALTER TABLE t ALTER COLUMN a SET STORAGE PLAIN', 'late-2025')).toBe(
      'unsupported ALTER TABLE statement',
    )
    expect(refusal('ALTER TABLE t ALTER CONSTRAINT f DEFERRABLE', 'late-2025')).toBe(
      'unsupported ALTER TABLE statement',
    )
    expect(refusal('ALTER SEQUENCE s RENAME TO u', 'late-2025')).toBe(
      'unsupported object in RENAME statement',
    )
    expect(refusal('ALTER SEQUENCE s RENAME TO u')).toBeUndefined()
  })
})
