import { describe, expect, it } from 'vitest'
import { parseIamStatement } from '../../src/iam-statement.js'
import { classifyStatement, isWriteTag } from '../../src/statement-kind.js'
import { accountUnit } from '../../src/transaction-accounting.js'

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

describe('parseIamStatement', () => {
  it.each([
    [
      "AWS IAM GRANT app TO 'arn:aws:iam::012345678912:role/example'",
      { verb: 'GRANT', role: 'app', arn: 'arn:aws:iam::012345678912:role/example' },
    ],
    ["aws iam revoke App from 'arn:x';", { verb: 'REVOKE', role: 'app', arn: 'arn:x' }],
    ["AWS IAM GRANT \"My Role\" TO 'a''b'", { verb: 'GRANT', role: 'My Role', arn: "a'b" }],
    ["AWS IAM GRANT app FROM 'arn'", undefined],
    ["AWS IAM GRANT app TO 'arn'; SELECT 1", undefined],
    ["AWS IAM GRANT app TO 'a\\b'", undefined],
    ['SELECT 1', undefined],
  ])('parses %j', (sql, expected) => {
    expect(parseIamStatement(sql)).toEqual(expected)
  })
})

describe('accountUnit', () => {
  const base = {
    before: 'I',
    after: 'I',
    tags: ['SELECT 1'],
    error: undefined,
    ranStatement: true,
    wrote: false,
  } as const
  it.each([
    ['an autocommit read', base, { ended: 1, readOnly: 1 }],
    ['an autocommit write', { ...base, tags: ['INSERT 0 1'], wrote: true }, { ended: 1, readOnly: 0 }],
    ['BEGIN', { ...base, after: 'T', tags: ['BEGIN'] }, { ended: 0, readOnly: 0 }],
    ['a statement in a transaction', { ...base, before: 'T', after: 'T' }, { ended: 0, readOnly: 0 }],
    [
      'a COMMIT that wrote',
      { ...base, before: 'T', tags: ['COMMIT'], wrote: true },
      { ended: 1, readOnly: 0 },
    ],
    [
      'a ROLLBACK of a failed transaction',
      { ...base, before: 'E', tags: ['ROLLBACK'] },
      { ended: 1, readOnly: 1 },
    ],
    ['a COMMIT with nothing open', { ...base, tags: ['COMMIT'] }, { ended: 0, readOnly: 0 }],
    ['a Parse-only round trip', { ...base, tags: [], ranStatement: false }, { ended: 0, readOnly: 0 }],
    ['a Flush round trip', { ...base, after: undefined }, { ended: 0, readOnly: 0 }],
  ] as const)('counts %s', (_name, outcome, expected) => {
    expect(accountUnit(outcome)).toMatchObject(expected)
  })

  it.each([
    [
      { severity: 'ERROR', code: '40001', message: 'change conflicts with another transaction (OC000)' },
      1,
      0,
    ],
    [
      { severity: 'ERROR', code: '40001', message: 'schema has been updated by another transaction (OC001)' },
      0,
      0,
    ],
    [{ severity: 'ERROR', code: '54000', message: 'transaction age limit of 300s exceeded' }, 0, 1],
  ])('counts OCC conflicts and query timeouts from %j', (error, occ, timeouts) => {
    expect(accountUnit({ ...base, tags: [], error })).toMatchObject({
      ended: 1,
      occConflicts: occ,
      queryTimeouts: timeouts,
    })
  })
})
