import { beforeAll, describe, expect, it } from 'vitest'
import { loadSqlParser, type SqlParser } from '../../../src/sql/sql-parser.js'
import { analyzeSql } from '../../../src/sql/statement-analysis.js'
import { toFrame } from '../../../src/transactions/reply-edit.js'
import { prepareUnit } from '../../../src/transactions/unit-edits.js'
import {
  BACKEND,
  commandComplete,
  createUnit,
  dataRow,
  type Frame,
  parseCommandTag,
  query,
  readyForQuery,
  rowDescription,
} from '../../../src/wire/index.js'

let parser: SqlParser
beforeAll(async () => {
  parser = await loadSqlParser()
})

const simple = (sql: string) => createUnit([toFrame(query(sql))], 'query', [sql])
const noData = () => toFrame(Buffer.from([BACKEND.NoData, 0, 0, 0, 4]))

/** A reply as message types and, for tags and rows, their text. */
function describeReply(frames: readonly Frame[]): string[] {
  return frames.map((frame) => {
    if (frame.type === BACKEND.CommandComplete) return `tag ${parseCommandTag(frame.body)}`
    if (frame.type === BACKEND.DataRow) return `row ${frame.body.toString('utf8', 6)}`
    if (frame.type === BACKEND.RowDescription)
      return `columns ${frame.body.toString('utf8', 2, frame.body.indexOf(0, 2))}`
    return String.fromCharCode(frame.type)
  })
}

function edit(sql: string, reply: readonly Frame[]) {
  const prepared = prepareUnit(simple(sql), analyzeSql(sql, parser, '2026'))
  const editor = prepared.editor?.()
  return { prepared, out: editor === undefined ? reply : reply.flatMap((frame) => editor(frame)) }
}

describe('prepareUnit', () => {
  it('runs an asynchronous statement as a DO block and answers its tag with a job_id row', () => {
    const sql = 'SELECT 1; CREATE INDEX ASYNC i ON t (a)'
    const { prepared, out } = edit(sql, [
      toFrame(rowDescription(['?column?'])),
      toFrame(dataRow(['1'])),
      toFrame(commandComplete('SELECT 1')),
      toFrame(commandComplete('DO')),
      toFrame(readyForQuery('I')),
    ])
    const text = prepared.unit.statements[0]!
    expect(text).toMatch(/^SELECT 1;\nDO \$pg_dsql_\d\$/)
    const jobId = /record_job\(\$pg_dsql_0\$([a-z2-7]{26})\$pg_dsql_0\$, 'INDEX_BUILD'/.exec(text)?.[1]
    expect(jobId).toBeDefined()
    expect(describeReply(out)).toEqual([
      'columns ?column?',
      'row 1',
      'tag SELECT 1',
      'columns job_id',
      `row ${jobId}`,
      'tag CREATE INDEX',
      'Z',
    ])
  })

  it("describes the job_id row in place of an extended-protocol Describe's NoData", () => {
    const { out } = edit('ALTER TABLE ASYNC t VALIDATE CONSTRAINT c', [
      noData(),
      toFrame(commandComplete('DO')),
    ])
    expect(describeReply(out)).toEqual([
      'columns job_id',
      expect.stringMatching(/^row [a-z2-7]{26}$/),
      'tag ALTER TABLE',
    ])
  })

  it('gives each preparation of the same statement a new job id', () => {
    const sql = 'CREATE INDEX ASYNC i ON t (a)'
    const ids = [1, 2].map(() => prepareUnit(simple(sql), analyzeSql(sql, parser, '2026')).unit.statements[0])
    expect(ids[0]).not.toBe(ids[1])
  })

  it("puts DSQL's value in the rows of SHOW server_version, and only there", () => {
    const { out } = edit('SHOW TimeZone; SHOW server_version', [
      toFrame(rowDescription(['TimeZone'])),
      toFrame(dataRow(['UTC'])),
      toFrame(commandComplete('SHOW')),
      toFrame(rowDescription(['server_version'])),
      toFrame(dataRow(['16.4'])),
      toFrame(commandComplete('SHOW')),
    ])
    expect(describeReply(out)).toEqual([
      'columns TimeZone',
      'row UTC',
      'tag SHOW',
      'columns server_version',
      'row 16.15',
      'tag SHOW',
    ])
  })

  it('leaves a unit without edits as it came', () => {
    const unit = simple('SELECT 1')
    expect(prepareUnit(unit, analyzeSql('SELECT 1', parser, '2026'))).toEqual({ unit, editor: undefined })
  })
})
