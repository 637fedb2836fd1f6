import { beforeAll, describe, expect, it } from 'vitest'
import { loadSqlParser, type SqlParser } from '../../../src/sql/sql-parser.js'
import { analyzeSql } from '../../../src/sql/statement-analysis.js'
import {
  ageLimitError,
  checkDdlRules,
  mutatedRows,
  sizeLimitError,
} from '../../../src/transactions/session-transaction.js'

const DSQL = { maxRows: 3000, maxBytes: 10 * 1024 * 1024, maxAgeSec: 300 }
let parser: SqlParser
beforeAll(async () => {
  parser = await loadSqlParser()
})

describe('transaction limit errors', () => {
  it('prints the size limit as DSQL does, in MiB rounded up', () => {
    expect(sizeLimitError(11 * 1024 * 1024 + 1, DSQL)).toEqual({
      severity: 'ERROR',
      code: '54000',
      message: 'transaction size limit 10mb exceeded',
      detail: 'Current transaction size 12mb > 10mb',
    })
  })

  it('prints the age limit in whole seconds', () => {
    expect(ageLimitError(301_900, DSQL)).toMatchObject({
      message: 'transaction age limit of 300s exceeded',
      detail: 'Current transaction age 301s exceeds 300s',
    })
  })
})

describe('mutatedRows', () => {
  it.each([
    ['INSERT 0 3', 3],
    ['UPDATE 12', 12],
    ['DELETE 0', 0],
    ['COPY 7', 7],
    ['SELECT 5', 0],
    ['CREATE TABLE', 0],
  ])('reads %s as %i rows', (tag, rows) => {
    expect(mutatedRows(tag)).toBe(rows)
  })
})

describe('checkDdlRules', () => {
  const run = (sql: string, counts = { ddl: 0, dml: 0 }) =>
    checkDdlRules(analyzeSql(sql, parser, '2026'), counts)

  it('allows one DDL, or DML, per transaction', () => {
    expect(run('CREATE TABLE a (id int)')).toBeUndefined()
    expect(run('INSERT INTO a VALUES (1); UPDATE a SET id = 2')).toBeUndefined()
    expect(run('BEGIN; CREATE TABLE a (id int); COMMIT; BEGIN; CREATE TABLE b (id int)')).toBeUndefined()
  })

  it('names the offending statement', () => {
    expect(run('CREATE TABLE a (id int); CREATE TABLE b (id int)')).toMatchObject({
      index: 1,
      error: { code: '0A000', message: 'multiple ddl statements not supported in a transaction' },
    })
    expect(run('SELECT 1; GRANT SELECT ON a TO PUBLIC; DELETE FROM a')).toMatchObject({
      index: 2,
      error: { message: 'ddl and dml are not supported in the same transaction' },
    })
    expect(run('CREATE TABLE b (id int)', { ddl: 0, dml: 1 })).toMatchObject({ index: 0 })
  })
})
