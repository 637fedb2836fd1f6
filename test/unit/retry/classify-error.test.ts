import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TransactionOutcomeUnknownError } from '../../../src/errors/index.js'
import { classifyError, isOccError, isRetryableClass } from '../../../src/retry/index.js'

/** A pg DatabaseError look-alike: what node-postgres gives for a server error. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' })
}

const OC000 = pgError('40001', 'change conflicts with another transaction (OC000)')
const OC001 = pgError('40001', 'schema has been updated by another transaction (OC001)')

describe('classifyError', () => {
  it.each([
    ['a DSQL data conflict', OC000, 'occ-data'],
    [
      'a legacy DSQL data conflict text',
      pgError('40001', 'mutation conflicts with another transaction, retry as needed (OC000)'),
      'occ-data',
    ],
    ['a DSQL schema conflict', OC001, 'occ-schema'],
    [
      'a plain PostgreSQL serialization failure',
      pgError('40001', 'could not serialize access due to concurrent update'),
      'occ-data',
    ],
    ['code OC000', pgError('OC000', 'conflict'), 'occ-data'],
    ['code OC001', pgError('OC001', 'conflict'), 'occ-schema'],
    ['a deadlock', pgError('40P01', 'deadlock detected'), 'transient'],
    [
      'too many connections',
      pgError('53300', 'Unable to accept connection, too many open connections.'),
      'rate-limited',
    ],
    ['rate exceeded', pgError('53400', 'Unable to accept connection, rate exceeded.'), 'rate-limited'],
    ['server unavailable', pgError('XX000', 'server unavailable'), 'transient'],
    ['another internal error', pgError('XX000', 'internal error'), 'permanent'],
    [
      'a cluster waking up',
      pgError('08006', 'unable to accept connection, waking up cluster, please retry later'),
      'transient',
    ],
    ['access denied', pgError('08006', 'unable to accept connection, access denied'), 'permanent'],
    ['TLS required', pgError('08006', 'unable to accept connection, SSL is required'), 'permanent'],
    ['a dropped connection', new Error('Connection terminated unexpectedly'), 'transient'],
    ['a reset socket', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'transient'],
    [
      'an administrator shutdown',
      pgError('57P01', 'terminating connection due to administrator command'),
      'transient',
    ],
    ['no healthy endpoint', pgError('08001', 'No healthy DSQL endpoint'), 'transient'],
    ['a unique violation', pgError('23505', 'duplicate key value violates unique constraint'), 'permanent'],
    ['the row limit', pgError('54000', 'transaction row limit exceeded'), 'permanent'],
    ['an aborted transaction', pgError('25P02', 'current transaction is aborted'), 'permanent'],
    ['a plain error', new Error('boom'), 'permanent'],
    ['a string', 'boom', 'permanent'],
    ['undefined', undefined, 'permanent'],
    [
      'an outcome-unknown error',
      new TransactionOutcomeUnknownError('unknown', { attempts: 1, cause: OC000 }),
      'outcome-unknown',
    ],
  ])('classifies %s', (_name, error, expected) => {
    expect(classifyError(error)).toBe(expected)
  })

  it('looks through an ORM wrapper whose cause is the 40001', () => {
    const wrapped = new Error('Failed query: update stock …', { cause: OC000 })
    expect(classifyError(wrapped)).toBe('occ-data')
    expect(isOccError(wrapped)).toBe(true)
  })

  it('looks into AggregateError members', () => {
    expect(classifyError(new AggregateError([new Error('other'), OC001], 'many'))).toBe('occ-schema')
  })

  it('lets the outermost meaningful error decide', () => {
    const uniqueAroundConflict = Object.assign(new Error('wrapper', { cause: OC000 }), { code: '23505' })
    expect(classifyError(uniqueAroundConflict)).toBe('occ-data')
    const conflictAroundReset = new Error('wrapper', { cause: Object.assign(OC000, {}) })
    expect(classifyError(conflictAroundReset)).toBe('occ-data')
  })

  it('survives cyclic cause chains', () => {
    const a = new Error('a') as Error & { cause?: unknown }
    const b = new Error('b', { cause: a })
    a.cause = b
    expect(classifyError(a)).toBe('permanent')
  })

  it('never calls an error retryable when an outcome-unknown error is anywhere in it', () => {
    const leaf = fc.constantFrom<unknown>(
      OC000,
      OC001,
      pgError('53400', 'rate'),
      new Error('Connection terminated unexpectedly'),
      pgError('23505', 'dup'),
      'text',
      undefined,
    )
    const unknown = fc.constant<unknown>(
      new TransactionOutcomeUnknownError('unknown', { attempts: 1, cause: OC000 }),
    )
    const tree = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        tie('node').map((cause) => new Error('wrapper', { cause })),
        fc.array(tie('node'), { maxLength: 3 }).map((errors) => new AggregateError(errors, 'many')),
      ),
    })).node
    fc.assert(
      fc.property(tree, unknown, fc.nat(3), (inner, outcomeUnknown, depth) => {
        let error: unknown = new AggregateError([inner, outcomeUnknown], 'mixed')
        for (let level = 0; level < depth; level++) error = new Error('wrapper', { cause: error })
        const errorClass = classifyError(error)
        return errorClass === 'outcome-unknown' && !isRetryableClass(errorClass)
      }),
    )
  })

  it('never calls an error retryable when nothing in it is a retryable signal', () => {
    const permanent = fc.constantFrom<unknown>(
      pgError('23505', 'dup'),
      pgError('42P01', 'relation does not exist'),
      pgError('54000', 'transaction row limit exceeded'),
      pgError('08006', 'unable to accept connection, access denied'),
      pgError('XX000', 'internal error'),
      new Error('boom'),
      null,
      42,
    )
    fc.assert(
      fc.property(fc.array(permanent, { minLength: 1, maxLength: 4 }), fc.nat(3), (members, depth) => {
        let error: unknown = members.length === 1 ? members[0] : new AggregateError(members, 'many')
        for (let level = 0; level < depth; level++) error = new Error('wrapper', { cause: error })
        return !isRetryableClass(classifyError(error))
      }),
    )
  })
})
