import { describe, expect, it } from 'vitest'
import { classifyStatement, isWriteTag } from '../../../src/sql/statement-kind.js'

describe('classifyStatement', () => {
  it.each([
    ['begin', 'begin'],
    ['START TRANSACTION READ ONLY', 'begin'],
    ['  -- note\n COMMIT', 'commit'],
    ['/* a /* nested */ comment */ end', 'commit'],
    ['ROLLBACK', 'rollback'],
    ['ROLLBACK TO SAVEPOINT a', 'other'],
    ['(SELECT 1)', 'read'],
    ['insert into t values (1)', 'write'],
    ['WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x', 'write'],
    ['WITH x AS (SELECT 1) SELECT * FROM x', 'read'],
    ['COPY t FROM STDIN', 'write'],
    ['COPY t TO STDOUT', 'read'],
    ['CREATE TABLE t (id int)', 'ddl'],
    ['SET search_path = x', 'other'],
  ])('classifies %j as %s', (sql, kind) => {
    expect(classifyStatement(sql)).toBe(kind)
  })
})

describe('isWriteTag', () => {
  it.each([
    ['INSERT 0 1', true],
    ['UPDATE 3', true],
    ['CREATE TABLE', true],
    ['SELECT 1', false],
    ['COMMIT', false],
    ['SET', false],
  ])('reads %s as a write: %s', (tag, write) => {
    expect(isWriteTag(tag)).toBe(write)
  })
})
