import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator, EmulatorProfile } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

/** SQL in (one statement, or steps run in turn), DSQL's answer to the last step out. */
type Case = readonly [steps: string | readonly string[], code: string | null, message?: string]

const stepsOf = (steps: Case[0]): readonly string[] => (typeof steps === 'string' ? [steps] : steps)

const T = `conf_${process.pid}`
const CACHE_TEXT = 'please define CACHE greater than or equal to 65536 or equal to 1'
const ABORTED = 'current transaction is aborted, commands ignored until end of transaction block'
const MULTIPLE_DDL = 'multiple ddl statements not supported in a transaction'
const DDL_AND_DML = 'ddl and dml are not supported in the same transaction'
const LOCKING = 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'
const LOCKING_2025 = 'locking clauses other than FOR UPDATE are not supported'
const setting = (name: string) => `setting configuration parameter "${name}" not supported`

/** Spec C.24 and B.14–B.19: the same in both profiles. */
const COMMON: readonly Case[] = [
  [`TRUNCATE ${T}`, '0A000', 'unsupported statement: Truncate'],
  [`truncate table ${T}`, '0A000', 'unsupported statement: Truncate'],
  [`/* TRUNCATE? yes */ -- really\n TRUNCATE ${T}`, '0A000', 'unsupported statement: Truncate'],
  ['CREATE EXTENSION pgcrypto', '0A000', 'unsupported statement: CreateExtension'],
  ['create extension if not exists vector', '0A000', 'unsupported statement: CreateExtension'],
  [
    `CREATE TRIGGER trg BEFORE INSERT ON ${T} FOR EACH ROW EXECUTE FUNCTION f()`,
    '0A000',
    'CREATE TRIGGER not supported',
  ],
  ['CREATE DATABASE other', '0A000', 'unsupported statement: Createdb'],
  ['CREATE TEMP TABLE tmp (id int)', '0A000', 'TEMPORARY or TEMP table not supported for CREATE TABLE'],
  ['CREATE TEMPORARY TABLE tmp (id int)', '0A000', 'TEMPORARY or TEMP table not supported for CREATE TABLE'],
  ['CREATE UNLOGGED TABLE u (id int)', '0A000', 'UNLOGGED table not supported for CREATE TABLE'],
  ['CREATE TABLE s (id serial PRIMARY KEY)', '42704', 'type "serial" does not exist'],
  ['CREATE TABLE s (id BIGSERIAL)', '42704', 'type "bigserial" does not exist'],
  ['CREATE TABLE s (id smallserial)', '42704', 'type "smallserial" does not exist'],
  ['CREATE MATERIALIZED VIEW mv AS SELECT 1', '0A000', 'unsupported statement: CreateTableAs'],
  ['CREATE TABLE c AS SELECT 1 AS one', '0A000', 'unsupported statement: CreateTableAs'],
  [`SELECT * INTO newtab FROM ${T}`, '0A000', 'unsupported statement: CreateTableAs'],
  ["CREATE TYPE mood AS ENUM ('sad', 'ok')", '0A000', 'CREATE TYPE not supported'],
  ['CREATE TYPE pair AS (a int, b int)', '0A000', 'unsupported statement: CompositeType'],
  ['CREATE TYPE span AS RANGE (subtype = int4)', '0A000', 'unsupported statement: CreateRange'],
  ["ALTER TYPE mood ADD VALUE 'happy'", '0A000', 'ALTER TYPE not supported'],
  ["CREATE TABLESPACE ts LOCATION '/tmp/ts'", '0A000', 'unsupported statement: CreateTableSpace'],
  ['CREATE FOREIGN TABLE ft (id int) SERVER remote', '0A000', 'unsupported statement: CreateForeignTable'],
  ['VACUUM', '0A000', 'unsupported VACUUM statement'],
  [`VACUUM FULL ${T}`, '0A000', 'unsupported VACUUM statement'],
  ['LISTEN events', '0A000', 'unsupported statement: Listen'],
  ["NOTIFY events, 'hello'", '0A000', 'unsupported statement: Notify'],
  ['UNLISTEN *', '0A000', 'unsupported statement: Unlisten'],
  ["ALTER SYSTEM SET work_mem = '1MB'", '0A000', 'unsupported statement: AlterSystem'],
  [
    'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$BEGIN RETURN 1; END$$',
    '0A000',
    'CREATE FUNCTION with language plpgsql not supported',
  ],
  ['CREATE PROCEDURE p() LANGUAGE sql AS $$SELECT 1$$', '0A000', 'PROCEDURE is not supported'],
  [
    `MERGE INTO ${T} t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN DELETE`,
    '0A000',
    'unsupported statement type: MERGE',
  ],
  [`SELECT * FROM ${T} TABLESAMPLE SYSTEM (10)`, '0A000', 'TABLESAMPLE clause not supported'],
  ['CREATE TABLE a (x text[])', '0A000', 'datatype text[] not supported'],
  ['CREATE TABLE a (x int[])', '0A000', 'datatype integer[] not supported'],
  ['CREATE TABLE a (x money)', '0A000', 'datatype money not supported'],
  ['CREATE TABLE a (x inet)', '0A000', 'datatype inet not supported'],
  ['CREATE TABLE a (x xml)', '0A000', 'datatype xml not supported'],
  [
    `ALTER TABLE ${T} ADD COLUMN extra int DEFAULT 0`,
    '0A000',
    'ALTER TABLE ADD COLUMN with constraint not supported',
  ],
  [
    `ALTER TABLE ${T} ADD COLUMN extra int NOT NULL`,
    '0A000',
    'ALTER TABLE ADD COLUMN with constraint not supported',
  ],
  [
    `ALTER TABLE ${T} ALTER COLUMN v TYPE bigint`,
    '0A000',
    'unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement',
  ],
  [
    `ALTER TABLE ${T} ADD CONSTRAINT ck CHECK (v > 0)`,
    '0A000',
    'unsupported ALTER TABLE ADD CONSTRAINT statement',
  ],
  [
    `ALTER TABLE ${T} ADD CONSTRAINT fk FOREIGN KEY (v) REFERENCES ${T} (id)`,
    '0A000',
    'unsupported ALTER TABLE ADD CONSTRAINT statement',
  ],
  [
    `ALTER TABLE ${T} VALIDATE CONSTRAINT ck`,
    '0A000',
    'unsupported ALTER TABLE VALIDATE CONSTRAINT statement',
  ],
  [`CREATE INDEX i ON ${T} (v)`, '0A000', 'unsupported mode. please use CREATE INDEX ASYNC.'],
  [`create unique index i on ${T} (v)`, '0A000', 'unsupported mode. please use CREATE INDEX ASYNC.'],
  [`CREATE INDEX CONCURRENTLY i ON ${T} (v)`, '0A000', 'CONCURRENTLY not supported for CREATE INDEX'],
  [`CREATE INDEX ASYNC i ON ${T} (v DESC)`, '0A000', 'specifying sort order not supported for index keys'],
  [`CREATE INDEX ASYNC public.i ON ${T} (v)`, '42601', 'syntax error at or near "."'],
  [`LOCK TABLE ${T}`, '0A000', 'unsupported statement: Lock'],
  [['BEGIN', 'SAVEPOINT s'], '0A000', 'unsupported transaction statement: SAVEPOINT'],
  [['BEGIN', 'RELEASE SAVEPOINT s'], '0A000', 'unsupported transaction statement: RELEASE'],
  [['BEGIN', 'ROLLBACK TO SAVEPOINT s'], '0A000', 'unsupported transaction statement: ROLLBACK TO'],
  [['BEGIN', 'rollback work to s'], '0A000', 'unsupported transaction statement: ROLLBACK TO'],
  ['BEGIN ISOLATION LEVEL SERIALIZABLE', '0A000', 'Unsupported isolation level: SERIALIZABLE'],
  ['BEGIN ISOLATION LEVEL READ COMMITTED', '0A000', 'Unsupported isolation level: READ COMMITTED'],
  [
    'START TRANSACTION ISOLATION LEVEL READ UNCOMMITTED',
    '0A000',
    'Unsupported isolation level: READ UNCOMMITTED',
  ],
  ['SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', '0A000', 'Unsupported isolation level: SERIALIZABLE'],
  ['SET TRANSACTION ISOLATION LEVEL REPEATABLE READ', '0A000', setting('TRANSACTION')],
  ['SET TRANSACTION READ ONLY', '0A000', setting('TRANSACTION')],
  [['BEGIN', 'SET TRANSACTION READ ONLY'], '0A000', setting('TRANSACTION')],
  [['BEGIN', 'SET TRANSACTION READ ONLY', 'SELECT 1'], '25P02', ABORTED],
  ['SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', '0A000', setting('TRANSACTION')],
  ['SET statement_timeout = 1000', '0A000', setting('statement_timeout')],
  ["SET default_transaction_isolation = 'serializable'", '0A000', setting('default_transaction_isolation')],
  ["set local STATEMENT_TIMEOUT to '1s'", '0A000', setting('statement_timeout')],
  ['SET "statement_timeout" = 5', '0A000', setting('statement_timeout')],
  [['BEGIN', 'SELECT 1/0', 'SELECT 1'], '25P02', ABORTED],
  [['BEGIN', `TRUNCATE ${T}`, 'SELECT 1'], '25P02', ABORTED],
  [['BEGIN', 'CREATE TABLE a1 (id int)', 'CREATE TABLE a2 (id int)'], '0A000', MULTIPLE_DDL],
  [['BEGIN', 'CREATE TABLE a1 (id int)', `INSERT INTO ${T} VALUES (99, 0)`], '0A000', DDL_AND_DML],
  [['BEGIN', `INSERT INTO ${T} VALUES (98, 0)`, 'CREATE TABLE a1 (id int)'], '0A000', DDL_AND_DML],
  [['BEGIN', `GRANT SELECT ON ${T} TO PUBLIC`, `UPDATE ${T} SET v = 1 WHERE id = 1`], '0A000', DDL_AND_DML],
  [['BEGIN', `GRANT SELECT ON ${T} TO PUBLIC`, `REVOKE SELECT ON ${T} FROM PUBLIC`], '0A000', MULTIPLE_DDL],
  [['BEGIN', 'SELECT 1/0', 'SELECT 1', 'COMMIT'], null],
  ['SHOW lc_collate', '42704', 'unrecognized configuration parameter "lc_collate"'],
  ['BEGIN ISOLATION LEVEL REPEATABLE READ', null],
  ['BEGIN READ ONLY', null],
  ['START TRANSACTION READ WRITE', null],
  [
    ['BEGIN READ ONLY', `INSERT INTO ${T} VALUES (96, 0)`],
    '25006',
    'cannot execute INSERT in a read-only transaction',
  ],
  ["SELECT 'TRUNCATE t; VACUUM' AS sql", null],
  ['SELECT 1 AS "TRUNCATE"', null],
  ['-- TRUNCATE t\nSELECT 1', null],
  ['/* CREATE TEMP TABLE x */ SELECT 2', null],
  ['WITH x AS (SELECT 1 AS one) SELECT * FROM x', null],
  [`SELECT * FROM ${T} FOR UPDATE`, null],
  [`INSERT INTO ${T} VALUES (97, 0) ON CONFLICT (id) DO UPDATE SET v = 0 RETURNING id`, null],
  ['EXPLAIN SELECT 1', null],
  [`ANALYZE ${T}`, null],
  ['SET search_path = public', null],
  ["SET application_name = 'conformance'", null],
  [['BEGIN', `SELECT * FROM ${T}`, `SELECT count(*) FROM ${T}`, 'COMMIT'], null],
]

/** Spec C.26–C.27: what the profiles disagree on. */
const PROFILES: Readonly<Record<EmulatorProfile, readonly Case[]>> = {
  '2026': [
    [`SELECT * FROM ${T} FOR KEY SHARE`, null],
    [`SELECT * FROM ${T} FOR SHARE`, '0A000', LOCKING],
    [`SELECT * FROM ${T} FOR NO KEY UPDATE`, '0A000', LOCKING],
    [
      'CREATE SEQUENCE conf_seq_a',
      '0A000',
      `CREATE SEQUENCE is not supported without an explicit cache size. ${CACHE_TEXT}`,
    ],
    [
      'CREATE SEQUENCE conf_seq_b CACHE 100',
      '0A000',
      `CREATE SEQUENCE is not supported without an explicit cache size. ${CACHE_TEXT}`,
    ],
    ['CREATE SEQUENCE IF NOT EXISTS conf_seq_2026 CACHE 1', null],
    ['CREATE SEQUENCE IF NOT EXISTS conf_seq_big_2026 CACHE 65536', null],
    [
      'CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY)',
      '0A000',
      `identity column is not supported without an explicit cache size. ${CACHE_TEXT}`,
    ],
    [
      'CREATE TABLE a (id int GENERATED ALWAYS AS IDENTITY (CACHE 1))',
      '0A000',
      'datatype integer not supported, identity column type must be bigint',
    ],
    [
      'CREATE TABLE IF NOT EXISTS conf_ident_2026 (id bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 1))',
      null,
    ],
    ['CREATE TABLE IF NOT EXISTS conf_json_2026 (doc jsonb)', null],
    [
      `CREATE TABLE IF NOT EXISTS conf_child_2026 (id int PRIMARY KEY, parent int REFERENCES ${T} (id))`,
      null,
    ],
  ],
  'late-2025': [
    [`SELECT * FROM ${T} FOR KEY SHARE`, '0A000', LOCKING_2025],
    [`SELECT * FROM ${T} FOR SHARE`, '0A000', LOCKING_2025],
    [`SELECT * FROM ${T} FOR NO KEY UPDATE`, '0A000', LOCKING_2025],
    ['CREATE SEQUENCE conf_seq_c CACHE 1', '0A000', 'unsupported statement: CreateSeq'],
    [
      'CREATE TABLE a (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1))',
      '0A000',
      'unsupported constraint: IDENTITY',
    ],
    ['CREATE TABLE a (doc jsonb)', '0A000', 'datatype jsonb not supported'],
    [
      `CREATE TABLE a (id int, parent int REFERENCES ${T} (id))`,
      '0A000',
      'unsupported constraint: FOREIGN KEY',
    ],
    [
      `CREATE TABLE a (id int, parent int, FOREIGN KEY (parent) REFERENCES ${T} (id))`,
      '0A000',
      'unsupported constraint: FOREIGN KEY',
    ],
    [`ALTER TABLE ${T} DROP COLUMN note`, '0A000', 'unsupported ALTER TABLE DROP COLUMN statement'],
  ],
}

/** Runs the steps in turn (each may fail) and returns what the last one got. */
async function outcome(client: pg.Client, steps: readonly string[], extended: boolean) {
  let result: { code: string | null; message?: string } = { code: null }
  for (const text of steps) {
    try {
      await client.query(extended ? ({ text, queryMode: 'extended' } as pg.QueryConfig) : text)
      result = { code: null }
    } catch (error) {
      const { code, message } = error as { code: string; message: string }
      result = { code, message }
    }
  }
  await client.query('ROLLBACK')
  return result
}

describe.each(['2026', 'late-2025'] as const)('DSQL conformance, profile %s', (profile) => {
  let emu: Emulator
  let client: pg.Client
  const cases = [...COMMON, ...PROFILES[profile]]

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'], profile })
    client = await connectClient(emu)
    await client.query('DROP TABLE IF EXISTS newtab')
    await client.query(`CREATE TABLE IF NOT EXISTS ${T} (id int PRIMARY KEY, v int, note text)`)
    await client.query(`INSERT INTO ${T} VALUES (1, 0, 'one') ON CONFLICT (id) DO NOTHING`)
  })

  afterAll(async () => {
    await client?.end()
    await emu?.stop()
  })

  it('has at least 80 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80)
  })

  it.each(cases)('answers %j with %s %s (simple protocol)', async (steps, code, message) => {
    const result = await outcome(client, stepsOf(steps as Case[0]), false)
    expect(result).toEqual(code === null ? { code: null } : { code, message })
  })

  it.each(cases)('answers %j with %s %s (extended protocol)', async (steps, code, message) => {
    const result = await outcome(client, stepsOf(steps as Case[0]), true)
    expect(result).toEqual(code === null ? { code: null } : { code, message })
  })
})
