import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator, EmulatorProfile } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'
import { expectedOutcome, runSteps, type SourcedCase } from '../support/sql-steps.js'

// DSQL's rules for CREATE INDEX (issue 13 item 5), each row with its source.

const T = `idx_${process.pid}`
const KEYS = 'more than 8 column keys in an index are not supported'

const CHOSEN = (rule: string) => `${rule}; text chosen, no source quotes DSQL's`
const INDEX_DOC = 'User Guide "CREATE INDEX" and "Asynchronous indexes"'
const EXPR_2026 = 'release notes 2026-08-13 (indexes on expressions, immutable functions only)'
const PARTIAL_2026 = 'release notes 2026-09-15 (partial indexes)'
const QUOTAS = 'User Guide "Cluster quotas and database limits" (8 columns per primary key or index)'
const COLUMNS9 = 'a int, b int, c int, d int, e int, f int, g int, h int, i int'

/** The same in both profiles. */
const COMMON: readonly SourcedCase[] = [
  [`CREATE INDEX ASYNC i9 ON ${T}_wide (a, b, c, d, e, f, g, h, i)`, '54011', KEYS, QUOTAS],
  [
    [`CREATE INDEX ASYNC IF NOT EXISTS ${T}_w8 ON ${T}_wide (a, b, c, d, e, f, g, h)`, `DROP INDEX ${T}_w8`],
    null,
    undefined,
    QUOTAS,
  ],
  [
    `CREATE INDEX ASYNC i1 ON ${T} USING gin (note)`,
    '0A000',
    'access method "gin" not supported for CREATE INDEX',
    CHOSEN(`${INDEX_DOC}: no access method in the supported syntax`),
  ],
  [
    [`CREATE INDEX ASYNC IF NOT EXISTS ${T}_b ON ${T} USING btree (v)`, `DROP INDEX ${T}_b`],
    null,
    undefined,
    `${INDEX_DOC}: USING btree is PostgreSQL's default, the same parse tree as no USING`,
  ],
  [
    `CREATE INDEX CONCURRENTLY i1 ON ${T} (v)`,
    '0A000',
    'CONCURRENTLY not supported for CREATE INDEX',
    INDEX_DOC,
  ],
  [
    `CREATE INDEX ASYNC i1 ON ${T} (v ASC)`,
    '0A000',
    'specifying sort order not supported for index keys',
    INDEX_DOC,
  ],
  [
    [`CREATE INDEX ASYNC IF NOT EXISTS ${T}_n ON ${T} (v NULLS FIRST) INCLUDE (note)`, `DROP INDEX ${T}_n`],
    null,
    undefined,
    INDEX_DOC,
  ],
  [
    `CREATE INDEX ASYNC i1 ON ${T} (v) INCLUDE ((lower(note)))`,
    '0A000',
    'expressions are not supported in included columns',
    `${INDEX_DOC}: expressions as included columns are not supported`,
  ],
]

/** What the profiles disagree on: expressions (2026-08-13) and predicates (2026-09-15). */
const PROFILES: Readonly<Record<EmulatorProfile, readonly SourcedCase[]>> = {
  '2026': [
    [
      [`CREATE INDEX ASYNC IF NOT EXISTS ${T}_e ON ${T} ((lower(note)), v)`, `DROP INDEX ${T}_e`],
      null,
      undefined,
      EXPR_2026,
    ],
    [
      `CREATE INDEX ASYNC i1 ON ${T} ((now()::text))`,
      '42P17',
      'functions in index expression must be marked IMMUTABLE',
      EXPR_2026,
    ],
    [
      [`CREATE INDEX ASYNC IF NOT EXISTS ${T}_pa ON ${T} (v) WHERE note IS NOT NULL`, `DROP INDEX ${T}_pa`],
      null,
      undefined,
      PARTIAL_2026,
    ],
    [
      `CREATE INDEX ASYNC i1 ON ${T} (v) WHERE note > now()::text`,
      '42P17',
      'functions in index predicate must be marked IMMUTABLE',
      PARTIAL_2026,
    ],
  ],
  'late-2025': [
    [
      `CREATE INDEX ASYNC i1 ON ${T} ((lower(note)))`,
      '0A000',
      'expressions not supported for CREATE INDEX',
      CHOSEN(EXPR_2026),
    ],
    [
      `CREATE INDEX ASYNC i1 ON ${T} (v) WHERE note IS NOT NULL`,
      '0A000',
      'WHERE not supported for CREATE INDEX',
      CHOSEN(PARTIAL_2026),
    ],
  ],
}

describe.each(['2026', 'late-2025'] as const)('DSQL index conformance, profile %s', (profile) => {
  let emu: Emulator
  let client: pg.Client
  const cases = [...COMMON, ...PROFILES[profile]]

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'], profile })
    client = await connectClient(emu)
    await client.query(`CREATE TABLE IF NOT EXISTS ${T} (id int PRIMARY KEY, v int, note text)`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${T}_wide (${COLUMNS9})`)
  })

  afterAll(async () => {
    if (profile === 'late-2025') {
      await client?.query(`DROP TABLE IF EXISTS ${T}`)
      await client?.query(`DROP TABLE IF EXISTS ${T}_wide`)
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
