import { describe, expect, it } from 'vitest'
import { changesOf, statementsOf, transformChecked } from './transform-helpers.js'

// What the merge pass merges, and what it leaves apart because merging would change meaning.
describe('foldIntoCreateTable (through transform)', () => {
  it('merges a column, a primary key, a unique and a check added after CREATE TABLE', async () => {
    const result = await transformChecked(`
      CREATE TABLE t (a int);
      ALTER TABLE t ADD COLUMN b text NOT NULL DEFAULT 'x', ADD CONSTRAINT t_pkey PRIMARY KEY (a);
      ALTER TABLE t ADD CONSTRAINT t_b_key UNIQUE (b), ADD CHECK (a > 0);`)
    expect(statementsOf(result)).toEqual([
      "CREATE TABLE t (\n  a int,\n  b text NOT NULL DEFAULT 'x',\n  CONSTRAINT t_pkey PRIMARY KEY (a),\n  CONSTRAINT t_b_key\n    UNIQUE (b),\n  CHECK (a > 0)\n)",
    ])
    expect(result.changes.map((c) => [c.rule, c.location.line, c.message])).toEqual([
      [
        'fold-into-create-table',
        3,
        expect.stringContaining('Merged into CREATE TABLE "t" (line 2)') as string,
      ],
      [
        'fold-into-create-table',
        4,
        expect.stringContaining('the constraint t_b_key and the constraint holds'),
      ],
    ])
  })

  it('merges across a VACUUM (dropped) or an ANALYZE, which neither fill nor change the table', async () => {
    // Otherwise transform would not be a fixed point: its output, without the VACUUM, merges.
    const result = await transformChecked(`
      CREATE TABLE t (a int);
      VACUUM t;
      ANALYZE t;
      ALTER TABLE t ADD COLUMN b int, ALTER COLUMN a TYPE bigint;`)
    expect(statementsOf(result)).toEqual([
      'CREATE TABLE t (\n  a int,\n  b int\n)',
      'ANALYZE t',
      'ALTER TABLE t ALTER COLUMN a TYPE bigint',
    ])
  })

  it('merges a foreign key to a table made before it, with NOT VALID dropped', async () => {
    const result = await transformChecked(`
      CREATE TABLE p (id int PRIMARY KEY);
      CREATE TABLE c (p_id int);
      ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES public.p (id) NOT VALID;`)
    expect(result.statements.map((s) => s.sql)).toEqual([
      'CREATE TABLE p (id int PRIMARY KEY)',
      'CREATE TABLE c (\n  p_id int,\n  CONSTRAINT c_p\n    FOREIGN KEY(p_id)\n    REFERENCES public.p (id)\n)',
    ])
  })

  it('leaves apart a foreign key to a table made after it, or to a key that is not there', async () => {
    const result = await transformChecked(`
      CREATE TABLE c (p_id int, q_name text);
      CREATE TABLE p (id int PRIMARY KEY, name text);
      ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id);
      ALTER TABLE c ADD CONSTRAINT c_q FOREIGN KEY (q_name) REFERENCES p (name);`)
    expect(changesOf(result)).toEqual(['fixed constraint-not-valid', 'fixed constraint-not-valid'])
  })

  it('merges a self reference once the key is in the table', async () => {
    const result = await transformChecked(`
      CREATE TABLE n (id int PRIMARY KEY, parent int);
      ALTER TABLE n ADD CONSTRAINT n_parent FOREIGN KEY (parent) REFERENCES n;`)
    expect(changesOf(result)).toEqual(['fixed fold-into-create-table'])
  })

  it('merges a foreign key to an older table only when nothing touched that table since the CREATE TABLE', async () => {
    const untouched = await transformChecked(
      'CREATE TABLE c (p_id int); ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES old (id);',
    )
    expect(changesOf(untouched)).toEqual(['fixed fold-into-create-table'])
    const touched = await transformChecked(`
      CREATE TABLE c (p_id int);
      CREATE UNIQUE INDEX old_id ON old (id);
      ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES old (id);`)
    expect(changesOf(touched)).toEqual(['fixed index-async', 'fixed constraint-not-valid'])
  })

  it.each([
    ['rows were written in between', 'INSERT INTO t VALUES (1)'],
    ['the table was renamed in between', 'ALTER TABLE t RENAME TO u'],
    ['the table was dropped in between', 'DROP TABLE t'],
  ])('stops merging once %s', async (_what, between) => {
    const result = await transformChecked(`CREATE TABLE t (a int); ${between}; ALTER TABLE t ADD UNIQUE (a);`)
    expect(changesOf(result)).toEqual(['fixed unique-constraint-to-index'])
  })

  it('merges past an index on the table, which adds no rows', async () => {
    const result = await transformChecked(
      'CREATE TABLE t (a int); CREATE INDEX i ON t (a); ALTER TABLE t ADD UNIQUE (a);',
    )
    expect(changesOf(result)).toEqual(['fixed index-async', 'fixed fold-into-create-table'])
  })

  it('does not merge into CREATE TABLE IF NOT EXISTS: the table may be an old one, with rows', async () => {
    const result = await transformChecked(
      'CREATE TABLE IF NOT EXISTS t (a int); ALTER TABLE t ADD UNIQUE (a);',
    )
    expect(changesOf(result)).toEqual(['fixed unique-constraint-to-index'])
  })

  it('merges the leading commands of an ALTER that can go into CREATE TABLE, and leaves the rest', async () => {
    const result = await transformChecked(
      'CREATE TABLE t (a int); ALTER TABLE t ADD UNIQUE (a), VALIDATE CONSTRAINT c, ADD COLUMN b int;',
    )
    expect(statementsOf(result)).toEqual([
      'CREATE TABLE t (\n  a int,\n  UNIQUE (a)\n)',
      'ALTER TABLE ASYNC t VALIDATE CONSTRAINT c [async]',
      'ALTER TABLE t ADD COLUMN b int',
    ])
    expect(changesOf(result)).toEqual(['fixed fold-into-create-table', 'fixed validate-async'])
  })

  it('merges nothing after a command that stays: the next one may depend on it', async () => {
    const result = await transformChecked(
      "CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a TYPE text, ADD CHECK (a <> '');",
    )
    expect(changesOf(result)).toEqual(['error alter-column-type'])
  })

  it('merges into a table with a serial column and rewrites the merged columns too', async () => {
    const result = await transformChecked(
      'CREATE TABLE t (id serial PRIMARY KEY); ALTER TABLE t ADD COLUMN n smallserial, ADD COLUMN u uuid DEFAULT uuid_generate_v4();',
    )
    expect(changesOf(result)).toEqual([
      'advisory serial-to-identity',
      'fixed fold-into-create-table',
      'advisory serial-to-identity',
      'fixed uuid-generate-v4',
    ])
    expect(result.changes.map((c) => c.location.line)).toEqual([1, 1, 1, 1])
  })
})
