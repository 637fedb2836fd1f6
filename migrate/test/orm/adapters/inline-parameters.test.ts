import { describe, expect, it } from 'vitest'
import { inlineParameters } from '../../../src/adapters/inline-parameters.js'

describe('inlineParameters', () => {
  it.each([
    ['a string, quotes doubled', 'insert into t values ($1)', ["it's"], `insert into t values ('it''s')`],
    [
      'numbers, booleans, null and undefined',
      'values ($1, $2, $3, $4, $5)',
      [1.5, 7n, true, null, undefined],
      'values (1.5, 7, true, NULL, NULL)',
    ],
    [
      'a date, in ISO 8601 UTC',
      'values ($1)',
      [new Date(Date.UTC(2026, 0, 2, 3, 4, 5))],
      `values ('2026-01-02T03:04:05.000Z')`,
    ],
    ['a buffer, as bytea hex', 'values ($1)', [Buffer.from([0xde, 0xad])], `values ('\\xdead'::bytea)`],
    [
      'an array, as a PostgreSQL array literal',
      'values ($1)',
      [['a', 'b "c"', null]],
      `values ('{"a","b \\"c\\"",NULL}')`,
    ],
    ['an object, as JSON text', 'values ($1)', [{ k: "v'" }], `values ('{"k":"v''"}')`],
    ['$10 after $1', 'values ($1, $10)', Array.from({ length: 10 }, (_, i) => i + 1), 'values (1, 10)'],
  ])('writes %s as a literal', (_, sql, values, expected) => {
    expect(inlineParameters(sql, values)).toBe(expected)
  })

  it('leaves placeholders inside strings, quoted identifiers, comments and dollar-quoted bodies alone', () => {
    const sql = `select '$1', "$1", $body$ $1 $body$, $$ $1 $$ -- $1\n, /* $1 */ $1`
    expect(inlineParameters(sql, [42])).toBe(
      `select '$1', "$1", $body$ $1 $body$, $$ $1 $$ -- $1\n, /* $1 */ 42`,
    )
  })

  it('returns the text as it is without values, and names a placeholder that has none', () => {
    expect(inlineParameters('select $1', undefined)).toBe('select $1')
    expect(() => inlineParameters('select $2', [1])).toThrow(/\$2 has no value: the query was given 1/)
  })
})
