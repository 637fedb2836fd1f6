import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator, EmulatorProfile } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'
import { expectedOutcome, runSteps, type SourcedCase } from '../support/sql-steps.js'

// DSQL's DDL rules for tables (issue 13 item 5), each row with its source; indexes are in
// index-conformance.test.ts.

const T = `ddl_${process.pid}`
const ADD_CONSTRAINT = 'unsupported ALTER TABLE ADD CONSTRAINT statement'
const ADD_COLUMN = 'ALTER TABLE ADD COLUMN with constraint not supported'
const KEYS = 'more than 8 column keys in an index are not supported'
const CACHE = 'please define CACHE greater than or equal to 65536 or equal to 1'

const OBSERVED = (date: string) => `observed on a cluster ${date} (Dreamescaper/dsql-emulator golden records)`
const CHOSEN = (rule: string) => `${rule}; text chosen, no source quotes DSQL's`
const ALTER_DOC = 'User Guide "ALTER TABLE", supported syntax'
const ALTER_2026 = `${ALTER_DOC}; release notes 2026-08-03 (ADD CONSTRAINT ... NOT VALID, VALIDATE, DROP COLUMN)`
const FK_2026 = 'User Guide "Working with foreign key constraints"; release notes 2026-08-26'
const QUOTAS = 'User Guide "Cluster quotas and database limits" (8 columns per primary key or index)'
const UNSUPPORTED = 'User Guide "Unsupported PostgreSQL features"'
const COLUMNS9 = 'a int, b int, c int, d int, e int, f int, g int, h int, i int'

/** The same in both profiles. */
const COMMON: readonly SourcedCase[] = [
  [
    `ALTER TABLE ${T} ADD CONSTRAINT ${T}_pk2 PRIMARY KEY (v)`,
    '0A000',
    ADD_CONSTRAINT,
    OBSERVED('2026-09-18'),
  ],
  [`ALTER TABLE ${T} ADD CONSTRAINT ${T}_u UNIQUE (v)`, '0A000', ADD_CONSTRAINT, OBSERVED('2026-09-18')],
  [`ALTER TABLE ${T} ADD CONSTRAINT ${T}_x EXCLUDE (v WITH =)`, '0A000', ADD_CONSTRAINT, ALTER_DOC],
  [
    `ALTER TABLE ${T} VALIDATE CONSTRAINT c`,
    '0A000',
    'unsupported ALTER TABLE VALIDATE CONSTRAINT statement',
    OBSERVED('2026-09-18'),
  ],
  [
    `ALTER TABLE ${T} ALTER COLUMN note TYPE varchar(20)`,
    '0A000',
    'unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement',
    OBSERVED('2026-09-16'),
  ],
  [
    `ALTER TABLE ${T} ALTER COLUMN v SET NOT NULL`,
    '0A000',
    'unsupported ALTER TABLE ALTER COLUMN ... SET NOT NULL statement',
    CHOSEN(ALTER_DOC),
  ],
  [`ALTER TABLE ${T} SET (fillfactor = 70)`, '0A000', 'unsupported ALTER TABLE statement', CHOSEN(ALTER_DOC)],
  [`ALTER TABLE ${T} ADD COLUMN c2 int CHECK (c2 > 0)`, '0A000', ADD_COLUMN, OBSERVED('2026-09-18')],
  [`ALTER TABLE ${T} ADD COLUMN c2 int UNIQUE`, '0A000', ADD_COLUMN, OBSERVED('2026-09-18')],
  [`ALTER TABLE ${T} ADD COLUMN c2 int NOT NULL DEFAULT 0`, '0A000', ADD_COLUMN, OBSERVED('2026-09-18')],
  [`ALTER TABLE ${T} ADD COLUMN c2 serial`, '42704', 'type "serial" does not exist', OBSERVED('2026-09-18')],
  [`ALTER TABLE ${T} ADD COLUMN c2 money`, '0A000', 'datatype money not supported', OBSERVED('2026-09-18')],
  [`ALTER TABLE ${T} ADD COLUMN c2 text[]`, '0A000', 'datatype text[] not supported', OBSERVED('2026-09-18')],
  [
    [`ALTER TABLE ${T} ALTER COLUMN v SET DEFAULT 7`, `ALTER TABLE ${T} ALTER COLUMN v DROP DEFAULT`],
    null,
    undefined,
    ALTER_DOC,
  ],
  [`ALTER TABLE ${T} ALTER COLUMN note DROP NOT NULL`, null, undefined, ALTER_DOC],
  [`ALTER TABLE ${T} OWNER TO admin`, null, undefined, ALTER_DOC],
  [
    [`ALTER TABLE ${T} RENAME COLUMN note TO note2`, `ALTER TABLE ${T} RENAME COLUMN note2 TO note`],
    null,
    undefined,
    ALTER_DOC,
  ],
  [`CREATE TABLE c9 (${COLUMNS9}, PRIMARY KEY (a, b, c, d, e, f, g, h, i))`, '54011', KEYS, QUOTAS],
  [`CREATE TABLE c9 (${COLUMNS9}, UNIQUE (a, b, c, d, e, f, g, h, i))`, '54011', KEYS, QUOTAS],
  [
    'CREATE TABLE x1 (a int, EXCLUDE (a WITH =))',
    '0A000',
    'unsupported constraint: EXCLUDE',
    CHOSEN(`${UNSUPPORTED}: exclusion constraints`),
  ],
  ['CREATE TABLE b1 (a bit(8))', '0A000', 'datatype bit not supported', OBSERVED('2026-09-15')],
  ['CREATE TABLE b1 (a varbit(8))', '0A000', 'datatype bit varying not supported', OBSERVED('2026-09-15')],
  [
    'CREATE DOMAIN d1 AS money',
    '0A000',
    'datatype money not supported',
    CHOSEN('User Guide "Supported data types": a domain is one more place a type is declared'),
  ],
]

/** What the profiles disagree on. */
const PROFILES: Readonly<Record<EmulatorProfile, readonly SourcedCase[]>> = {
  '2026': [
    [
      [
        `ALTER TABLE ${T} ADD CONSTRAINT ${T}_ck CHECK (v > -1000) NOT VALID`,
        `ALTER TABLE ${T} DROP CONSTRAINT ${T}_ck`,
      ],
      null,
      undefined,
      ALTER_2026,
    ],
    [
      [
        `ALTER TABLE ${T} ADD CONSTRAINT ${T}_fk FOREIGN KEY (p) REFERENCES ${T}_parent (id) NOT VALID`,
        `ALTER TABLE ${T} ALTER CONSTRAINT ${T}_fk DEFERRABLE INITIALLY DEFERRED`,
        `ALTER TABLE ${T} DROP CONSTRAINT ${T}_fk`,
      ],
      null,
      undefined,
      FK_2026,
    ],
    [
      [
        `CREATE UNIQUE INDEX ASYNC IF NOT EXISTS ${T}_nu ON ${T} (note)`,
        `ALTER TABLE ${T} ADD CONSTRAINT ${T}_nu UNIQUE USING INDEX ${T}_nu`,
        `ALTER TABLE ${T} DROP CONSTRAINT ${T}_nu`,
      ],
      null,
      undefined,
      `${ALTER_DOC}: ADD table_constraint_using_index`,
    ],
    [
      [
        `ALTER TABLE ${T} ADD CONSTRAINT ${T}_ck2 CHECK (v > -1000) NOT VALID`,
        `ALTER TABLE ASYNC ${T} VALIDATE CONSTRAINT ${T}_ck2`,
        `ALTER TABLE ${T} DROP CONSTRAINT ${T}_ck2`,
      ],
      null,
      undefined,
      ALTER_2026,
    ],
    [
      `ALTER TABLE ASYNC ${T} ADD COLUMN c2 int`,
      '42601',
      'syntax error at or near "ADD"',
      CHOSEN(`${ALTER_DOC}: ALTER TABLE ASYNC's only action is VALIDATE CONSTRAINT`),
    ],
    [`ALTER TABLE ${T} DROP COLUMN id`, '0A000', 'cannot drop primary key column id', OBSERVED('2026-09-18')],
    [
      `ALTER TABLE ${T} DROP CONSTRAINT ${T}_pkey`,
      '0A000',
      `cannot drop primary key constraint ${T}_pkey`,
      CHOSEN('refused on a cluster per a third-party record (2026-10-03)'),
    ],
    [
      [`ALTER TABLE ${T} ADD COLUMN IF NOT EXISTS c3 text STORAGE PLAIN`, `ALTER TABLE ${T} DROP COLUMN c3`],
      null,
      undefined,
      ALTER_2026,
    ],
    [
      `ALTER TABLE ${T}_ident ALTER COLUMN i ADD GENERATED BY DEFAULT AS IDENTITY (CACHE 1)`,
      '0A000',
      'datatype integer not supported, identity column type must be bigint',
      `${ALTER_DOC}: identity columns are bigint only; text ${OBSERVED('2026-09-18')}`,
    ],
    [
      `ALTER TABLE ${T}_ident ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY`,
      '0A000',
      `identity column is not supported without an explicit cache size. ${CACHE}`,
      `${ALTER_DOC}: an explicit CACHE is required`,
    ],
    [
      [
        `ALTER TABLE ${T}_ident ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY (CACHE 65536)`,
        `ALTER TABLE ${T}_ident ALTER COLUMN n DROP IDENTITY`,
      ],
      null,
      undefined,
      ALTER_DOC,
    ],
    [
      `CREATE TABLE IF NOT EXISTS ${T}_inline (id bigint GENERATED BY DEFAULT AS IDENTITY (CACHE 65536) PRIMARY KEY,
         u uuid DEFAULT gen_random_uuid() UNIQUE, p int REFERENCES ${T}_parent (id), c int CHECK (c > 0))`,
      null,
      undefined,
      `${FK_2026}; User Guide "CREATE TABLE" and "CREATE SEQUENCE"`,
    ],
  ],
  'late-2025': [
    [
      `ALTER TABLE ${T} ADD CONSTRAINT ${T}_ck CHECK (v > 0) NOT VALID`,
      '0A000',
      ADD_CONSTRAINT,
      `${OBSERVED('2026-09-18')}; NOT VALID came 2026-08-03`,
    ],
    [
      `ALTER TABLE ASYNC ${T} VALIDATE CONSTRAINT c`,
      '42601',
      `syntax error at or near "${T}"`,
      "release notes 2026-08-03 (ALTER TABLE ASYNC); PostgreSQL's own syntax error before",
    ],
    [
      `ALTER TABLE ${T} DROP COLUMN note`,
      '0A000',
      'unsupported ALTER TABLE DROP COLUMN statement',
      CHOSEN('release notes 2026-08-03 (DROP COLUMN)'),
    ],
    [
      `ALTER TABLE ${T}_ident ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY (CACHE 1)`,
      '0A000',
      'unsupported constraint: IDENTITY',
      CHOSEN('sequences and identity columns came in 2026'),
    ],
  ],
}

describe.each(['2026', 'late-2025'] as const)('DSQL DDL conformance, profile %s', (profile) => {
  let emu: Emulator
  let client: pg.Client
  const cases = [...COMMON, ...PROFILES[profile]]

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'], profile })
    client = await connectClient(emu)
    for (const sql of [
      `CREATE TABLE IF NOT EXISTS ${T}_parent (id int PRIMARY KEY)`,
      `CREATE TABLE IF NOT EXISTS ${T} (id int PRIMARY KEY, v int, note text, p int)`,
      `CREATE TABLE IF NOT EXISTS ${T}_ident (id int PRIMARY KEY, n bigint NOT NULL, i int NOT NULL)`,
    ]) {
      await client.query(sql)
    }
  })

  afterAll(async () => {
    if (profile === 'late-2025') {
      for (const table of [`${T}_inline`, T, `${T}_parent`, `${T}_ident`]) {
        await client?.query(`DROP TABLE IF EXISTS ${table}`)
      }
    }
    await client?.end()
    await emu?.stop()
  })

  it.each(cases)('answers %j with %s %s (simple protocol; source: %s)', async (steps, code, message) => {
    expect(await runSteps(client, steps, false)).toEqual(expectedOutcome(code, message))
  })

  it.each(cases)('answers %j with %s %s (extended protocol; source: %s)', async (steps, code, message) => {
    expect(await runSteps(client, steps, true)).toEqual(expectedOutcome(code, message))
  })
})
