import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { transform } from '../../../../src/transform/index.js'

// transform names an unnamed constraint it splits (it must VALIDATE it by name) with the name
// PostgreSQL would have chosen. Checked against PostgreSQL itself, on the shared test server.
describe('default constraint names', () => {
  const long = 'a_table_name_long_enough_to_need_cutting_when_joined_with_columns'
  const column = 'a_column_name_that_is_long_as_well_so_both_parts_get_cut_down'
  const cases: readonly [string, string][] = [
    ['a unique constraint', `ALTER TABLE ${long} ADD UNIQUE (${column}, b)`],
    ['a foreign key', `ALTER TABLE ${long} ADD FOREIGN KEY (${column}) REFERENCES ref (id)`],
    ['a check on one column', `ALTER TABLE ${long} ADD CHECK (${column} > 0)`],
    ['a check on two columns', `ALTER TABLE ${long} ADD CHECK (${column} > b)`],
    ['a short unique constraint', `ALTER TABLE ${long} ADD UNIQUE (b)`],
  ]

  it.each(cases)('names %s as PostgreSQL does', async (_what, statement) => {
    const client = new pg.Client({ connectionString: inject('backendUrl') })
    await client.connect()
    const schema = `names_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
    try {
      await client.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`)
      await client.query(`CREATE TABLE ref (id int PRIMARY KEY); CREATE TABLE ${long} (${column} int, b int)`)
      await client.query(statement)
      const made = await client.query(
        `SELECT conname FROM pg_constraint WHERE conrelid = '${long}'::regclass AND contype <> 'p'`,
      )
      const result = await transform(statement)
      const named = /ADD CONSTRAINT (\w+)/.exec(result.statements.map((s) => s.sql).join('\n'))?.[1]
      expect(named).toBe(made.rows[0].conname)
      expect(Buffer.byteLength(named as string)).toBeLessThanOrEqual(63)
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined)
      await client.end()
    }
  })
})
