import { beforeAll, describe, expect, it } from 'vitest'
import { asyncJobOf, asyncJobSql, DUPLICATE_KEY_DETAILS } from '../../../src/sql/async-job.js'
import { loadSqlParser, type SqlParser } from '../../../src/sql/sql-parser.js'

let parser: SqlParser
beforeAll(async () => {
  parser = await loadSqlParser()
})

const node = (sql: string) => parser.parse(sql)![0]!.node

describe('asyncJobOf', () => {
  it.each([
    [
      'CREATE UNIQUE INDEX i ON "My".t (a)',
      'index',
      { type: 'INDEX_BUILD', tag: 'CREATE INDEX', table: '"My"."t"', indexName: 'i' },
    ],
    [
      'CREATE INDEX ON t (a)',
      'index',
      { type: 'INDEX_BUILD', tag: 'CREATE INDEX', table: '"t"', indexName: undefined },
    ],
    [
      'ALTER TABLE t VALIDATE CONSTRAINT c',
      'alter-table',
      { type: 'VALIDATE_CONSTRAINT', tag: 'ALTER TABLE', table: '"t"', indexName: undefined },
    ],
  ] as const)('describes the job of %j', (sql, form, job) => {
    expect(asyncJobOf(node(sql), form)).toEqual(job)
  })

  it('has no job for a statement written without ASYNC', () => {
    expect(asyncJobOf(node('CREATE INDEX i ON t (a)'), undefined)).toBeUndefined()
  })
})

describe('asyncJobSql', () => {
  it('runs the statement in a DO block that records a completed or failed job', () => {
    const job = asyncJobOf(node('CREATE UNIQUE INDEX i ON t (a)'), 'index')!
    const sql = asyncJobSql(job, 'CREATE UNIQUE INDEX       i ON t (a)', 'abcdefghijklmnopqrstuvwxyz')
    expect(sql).toContain('EXECUTE $pg_dsql_0$CREATE UNIQUE INDEX       i ON t (a)$pg_dsql_0$;')
    expect(sql).toContain('EXCEPTION WHEN unique_violation')
    expect(sql).toContain(DUPLICATE_KEY_DETAILS)
    expect(parser.parse(sql)?.map((s) => Object.keys(s.node))).toEqual([['DoStmt']])
  })

  it('quotes a statement that contains its own dollar quotes with a tag it does not contain', () => {
    const statement = 'ALTER TABLE t VALIDATE CONSTRAINT "$pg_dsql_0$" -- \''
    const job = asyncJobOf(node(statement), 'alter-table')!
    const sql = asyncJobSql(job, statement, 'abcdefghijklmnopqrstuvwxyz')
    expect(sql).toContain(`EXECUTE $pg_dsql_1$${statement}$pg_dsql_1$;`)
    expect(parser.parse(sql)).toHaveLength(1)
  })
})
