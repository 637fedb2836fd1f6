import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator, EmulatorProfile } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'
import { expectedOutcome, runSteps, type SourcedCase } from '../support/sql-steps.js'

// DSQL's refusals of objects and values it does not have, of several DDL statements in one
// query, and of sys.wait_for_job's misuse (issue 13 item 5), each row with its source.

const T = `obj_${process.pid}`
const DROP = 'unsupported object in DROP statement'
const RENAME = 'unsupported object in RENAME statement'
const ALTER = 'unsupported object in ALTER statement'
const MULTIPLE_DDL = 'multiple ddl statements not supported in a transaction'
const DDL_AND_DML = 'ddl and dml are not supported in the same transaction'
const WAIT_IN_TRANSACTION = 'CALL sys.wait_for_job not supported in transaction block'
const noConfig = (name: string) => `text search configuration "${name}" does not exist`

const OBSERVED = (date: string) => `observed on a cluster ${date} (Dreamescaper/dsql-emulator golden records)`
const CHOSEN = (rule: string) => `${rule}; text chosen, no source quotes DSQL's`
const UNSUPPORTED = 'User Guide "Unsupported PostgreSQL features"'
const DDL_DOC = 'User Guide "DDL and distributed transactions": one DDL per transaction, no DML with it'
const JOBS_DOC = 'User Guide "Asynchronous indexes": sys.wait_for_job'
const FLYWAY = "AWS's Flyway support for DSQL (awslabs), its text; the SQLSTATE chosen"

const COMMON: readonly SourcedCase[] = [
  ['DROP TYPE IF EXISTS mood', '0A000', DROP, OBSERVED('2026-09-15')],
  ['ALTER TYPE mood RENAME TO mood2', '0A000', RENAME, OBSERVED('2026-09-15')],
  ['ALTER TYPE mood OWNER TO admin', '0A000', ALTER, CHOSEN(`${UNSUPPORTED}: types`)],
  ['ALTER TYPE mood SET SCHEMA public', '0A000', ALTER, CHOSEN(`${UNSUPPORTED}: types`)],
  [
    'ALTER TYPE pair ADD ATTRIBUTE c int',
    '0A000',
    'ALTER TYPE not supported',
    CHOSEN(`${UNSUPPORTED}: types`),
  ],
  [`DROP TRIGGER IF EXISTS trg ON ${T}`, '0A000', DROP, CHOSEN(`${UNSUPPORTED}: triggers`)],
  ['DROP EXTENSION IF EXISTS pgcrypto', '0A000', DROP, CHOSEN(`${UNSUPPORTED}: extensions`)],
  ['DROP MATERIALIZED VIEW IF EXISTS mv', '0A000', DROP, CHOSEN(`${UNSUPPORTED}: materialized views`)],
  ['ALTER MATERIALIZED VIEW mv RENAME TO mv2', '0A000', RENAME, CHOSEN(`${UNSUPPORTED}: materialized views`)],
  ['DROP PROCEDURE IF EXISTS p()', '0A000', DROP, CHOSEN('PROCEDURE is not supported (observed)')],
  ['DROP FOREIGN TABLE IF EXISTS ft', '0A000', DROP, CHOSEN(`${UNSUPPORTED}: postgres_fdw`)],
  ['DROP LANGUAGE IF EXISTS plpgsql', '0A000', DROP, CHOSEN(`${UNSUPPORTED}: non-SQL languages`)],
  [
    'DROP TEXT SEARCH CONFIGURATION IF EXISTS english',
    '0A000',
    DROP,
    CHOSEN('no text search configurations'),
  ],
  ['ALTER DATABASE postgres RENAME TO other', '0A000', RENAME, CHOSEN(`${UNSUPPORTED}: one database`)],
  ['DROP DATABASE IF EXISTS other', '0A000', 'unsupported statement: Dropdb', CHOSEN(`${UNSUPPORTED}`)],
  ['DROP TABLESPACE IF EXISTS ts', '0A000', 'unsupported statement: DropTableSpace', CHOSEN(UNSUPPORTED)],
  ['DROP DOMAIN IF EXISTS d_none', null, undefined, 'User Guide "Supported SQL": CREATE DOMAIN'],
  ['DROP VIEW IF EXISTS v_none', null, undefined, 'User Guide "DROP VIEW"'],
  [
    'CREATE TEXT SEARCH CONFIGURATION my_english (COPY = english)',
    '0A000',
    'CREATE TEXT SEARCH CONFIGURATION not supported',
    CHOSEN('no text search configurations'),
  ],
  ["SELECT to_tsvector('english', 'hello world')", '42704', noConfig('english'), OBSERVED('2026-09-18')],
  ["SELECT to_tsquery('english', 'hello & world')", '42704', noConfig('english'), OBSERVED('2026-09-18')],
  ["SELECT websearch_to_tsquery('english', 'a b')", '42704', noConfig('english'), OBSERVED('2026-09-18')],
  ["SELECT plainto_tsquery('simple', 'x')", '42704', noConfig('simple'), OBSERVED('2026-09-18')],
  ["SELECT 'german'::regconfig", '42704', noConfig('german'), OBSERVED('2026-09-18')],
  [
    "SELECT to_tsvector('hello')",
    '42704',
    noConfig('english'),
    `${OBSERVED('2026-09-18')}; the default configuration approximated as "english"`,
  ],
  ["SELECT line('{1,2,3}')", '0A000', 'datatype line not supported', OBSERVED('2026-09-18')],
  ["SELECT circle('<(0,0),1>'::text)", '0A000', 'datatype circle not supported', OBSERVED('2026-09-18')],
  [
    "SELECT '(1,2)'::point",
    '0A000',
    'datatype point not supported',
    CHOSEN('geometric types (observed above)'),
  ],
  ["SELECT '127.0.0.1'::inet", null, undefined, 'User Guide "Supported data types": inet at query runtime'],
  ["CALL sys.wait_for_job('no-such-job')", '22P02', 'Unable to convert text to UUID', OBSERVED('2026-09-15')],
  [
    "CALL sys.wait_for_job('ABC')",
    '22P02',
    'Unable to convert text to UUID',
    `${JOBS_DOC}; ${OBSERVED('2026-09-15')}`,
  ],
  [
    'SELECT sys.wait_for_job((SELECT job_id FROM sys.jobs LIMIT 1))',
    '42809',
    'sys.wait_for_job(text) is a procedure',
    OBSERVED('2026-09-15'),
  ],
  [
    'CALL sys.wait_for_job((SELECT job_id FROM sys.jobs LIMIT 1))',
    '0A000',
    'cannot use subquery in CALL argument',
    OBSERVED('2026-09-15'),
  ],
  [['BEGIN', "CALL sys.wait_for_job('aaaaaaaaaaaaaaaaaaaaaaaaaa')"], '0A000', WAIT_IN_TRANSACTION, FLYWAY],
]

const PROFILES: Readonly<Record<EmulatorProfile, readonly SourcedCase[]>> = {
  '2026': [['DROP SEQUENCE IF EXISTS s_none', null, undefined, 'User Guide "DROP SEQUENCE"']],
  'late-2025': [
    ['DROP SEQUENCE IF EXISTS s_none', '0A000', DROP, CHOSEN('sequences came in 2026 (see the profiles)')],
  ],
}

/** Several statements in one simple query: one implicit transaction, as DSQL runs it. */
const SIMPLE_ONLY: readonly SourcedCase[] = [
  [
    'CREATE TABLE m1 (id int); CREATE TABLE m2 (id int)',
    '0A000',
    MULTIPLE_DDL,
    `${DDL_DOC}; ${OBSERVED('2026-09-17')}`,
  ],
  [
    'CREATE TABLE m1 (id int); INSERT INTO m1 VALUES (1)',
    '0A000',
    DDL_AND_DML,
    `${DDL_DOC}; ${OBSERVED('2026-09-17')}`,
  ],
  [
    'CREATE TABLE m1 (id int); CREATE INDEX ASYNC m1_i ON m1 (id)',
    '0A000',
    MULTIPLE_DDL,
    `${DDL_DOC}; ${OBSERVED('2026-09-17')}`,
  ],
  [`INSERT INTO ${T} VALUES (5); ALTER TABLE ${T} ADD COLUMN c int`, '0A000', DDL_AND_DML, DDL_DOC],
  [`SELECT 1; CALL sys.wait_for_job('aaaaaaaaaaaaaaaaaaaaaaaaaa')`, '0A000', WAIT_IN_TRANSACTION, FLYWAY],
]

describe.each(['2026', 'late-2025'] as const)('DSQL object conformance, profile %s', (profile) => {
  let emu: Emulator
  let client: pg.Client
  const cases = [...COMMON, ...PROFILES[profile]]

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'], profile })
    client = await connectClient(emu)
    await client.query(`CREATE TABLE IF NOT EXISTS ${T} (id int PRIMARY KEY)`)
  })

  afterAll(async () => {
    if (profile === 'late-2025') await client?.query(`DROP TABLE IF EXISTS ${T}`)
    await client?.end()
    await emu?.stop()
  })

  it.each(cases)('answers %j with %s %s (simple protocol; source: %s)', async (steps, code, message) => {
    expect(await runSteps(client, steps, false)).toEqual(expectedOutcome(code, message))
  })

  it.each(cases)('answers %j with %s %s (extended protocol; source: %s)', async (steps, code, message) => {
    expect(await runSteps(client, steps, true)).toEqual(expectedOutcome(code, message))
  })

  it.each(SIMPLE_ONLY)('answers the query %j with %s %s (source: %s)', async (steps, code, message) => {
    expect(await runSteps(client, steps, false)).toEqual(expectedOutcome(code, message))
  })

  it('leaves nothing of a refused multi-statement query behind', async () => {
    await runSteps(client, 'CREATE TABLE m1 (id int); CREATE TABLE m2 (id int)', false)
    const { rows } = await client.query(
      "SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('m1', 'm2')",
    )
    expect(rows).toEqual([{ n: 0 }])
  })
})
