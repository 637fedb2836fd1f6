import { describe, expect, it } from 'vitest'
import { isReadOnlyStatement } from '../../../src/retry/index.js'

describe('isReadOnlyStatement', () => {
  it.each([
    ['SELECT 1', true],
    ['  select * from orders where id = $1', true],
    ['WITH t AS (SELECT 1) SELECT * FROM t', true],
    ['SHOW transaction_isolation', true],
    ['/* report */ SELECT count(*) FROM orders', true],
    ['SELECT * FROM stock WHERE sku = $1 FOR UPDATE', false],
    ['SELECT * FROM stock FOR KEY SHARE', false],
    ['WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved', false],
    ["SELECT nextval('s')", false],
    ['INSERT INTO orders VALUES (1)', false],
    ['UPDATE stock SET qty = qty - 1', false],
    ['-- select\nDELETE FROM t', false],
    ['CALL sys.wait_for_job($1)', false],
  ])('says %j is read-only: %s', (sql, expected) => {
    expect(isReadOnlyStatement(sql)).toBe(expected)
  })
})
