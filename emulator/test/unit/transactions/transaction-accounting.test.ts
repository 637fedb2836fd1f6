import { describe, expect, it } from 'vitest'
import { accountUnit } from '../../../src/transactions/transaction-accounting.js'

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
