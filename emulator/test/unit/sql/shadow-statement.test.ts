import { beforeAll, describe, expect, it } from 'vitest'
import { shadowPlan, shadowTable } from '../../../src/sql/shadow-statement.js'
import { loadSqlParser, type SqlParser } from '../../../src/sql/sql-parser.js'

let parser: SqlParser
beforeAll(async () => {
  parser = await loadSqlParser()
})

const COLUMNS = [
  { name: 'id', type: 'bigint', defaultExpr: "nextval('t_id_seq')" },
  { name: 'qty', type: 'integer', defaultExpr: null },
  { name: 'note', type: 'text', defaultExpr: "'none'::text" },
]

function plan(sql: string) {
  const node = parser.parse(sql)![0]!.node
  return shadowPlan(node, parser, COLUMNS)
}

describe('shadowPlan', () => {
  it.each([
    ['UPDATE t SET qty = qty - 1 WHERE id = $1', 'SELECT count(*) FROM t WHERE id = $1', 'UPDATE'],
    [
      'update t a set qty = 1 from u where u.id = a.id',
      'SELECT count(DISTINCT a.ctid) FROM t AS a, u WHERE u.id = a.id',
      'UPDATE',
    ],
    ['DELETE FROM t WHERE qty > 3', 'SELECT count(*) FROM t WHERE qty > 3', 'DELETE'],
    ['DELETE FROM t WHERE qty > 3 RETURNING id', 'SELECT id FROM t WHERE qty > 3', 'DELETE'],
    [
      'INSERT INTO t (qty) VALUES (1), (2)',
      'SELECT count(*) FROM (VALUES (1), (2)) AS pg_dsql_source',
      'INSERT 0',
    ],
    ['SELECT * FROM t WHERE id = 1 FOR UPDATE', 'SELECT * FROM t WHERE id = 1', 'SELECT'],
    ['SELECT * FROM t WHERE id = 1 FOR KEY SHARE', 'SELECT * FROM t WHERE id = 1', 'SELECT'],
  ])('answers %s with a read-only query', (sql, shadow, verb) => {
    expect(plan(sql)).toMatchObject({ sql: shadow, verb })
  })

  it('substitutes SET expressions, cast to the column type, in RETURNING', () => {
    expect(plan('UPDATE t SET qty = qty - $1 WHERE id = $2 RETURNING qty, note, id * 2 AS double')?.sql).toBe(
      'SELECT CAST(qty - $1 AS int) AS qty, t.note AS note, t.id * 2 AS double FROM t WHERE id = $2',
    )
  })

  it('expands RETURNING * to the columns, new values included', () => {
    expect(plan('UPDATE t SET note = $1 WHERE id = 1 RETURNING *')?.sql).toBe(
      'SELECT t.id AS id, t.qty AS qty, CAST($1 AS text) AS note FROM t WHERE id = 1',
    )
  })

  it('evaluates an INSERT ... VALUES ... RETURNING from the values and the defaults', () => {
    expect(plan('INSERT INTO t (qty) VALUES ($1) RETURNING id, note')?.sql).toBe(
      "SELECT CAST(nextval('t_id_seq') AS bigint) AS id, CAST('none'::text AS text) AS note FROM (VALUES ($1)) AS pg_dsql_source(\"c1\")",
    )
  })

  it('names the table whose columns RETURNING needs', () => {
    expect(shadowTable(parser.parse('UPDATE s."T" SET a = 1 RETURNING *')![0]!.node)).toBe('"s"."T"')
    expect(shadowTable(parser.parse('UPDATE t SET a = 1')![0]!.node)).toBeUndefined()
  })

  it('has no equivalent for WHERE CURRENT OF or data-modifying CTEs', () => {
    expect(plan('UPDATE t SET qty = 1 WHERE CURRENT OF c')).toBeUndefined()
    expect(plan('WITH x AS (SELECT 1) UPDATE t SET qty = 1')).toBeUndefined()
  })
})
