import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  classifyError,
  DsqlAuthError,
  DsqlConfigError,
  ERROR_CLASSES,
  type ErrorVerdict,
  errorVerdict,
  isOccError,
  NoHealthyEndpointError,
  OccRetryExhaustedError,
  RETRY_SAFETY,
  TransactionAbortedError,
  TransactionOutcomeUnknownError,
} from '../../../src/errors/index.js'

/** A pg DatabaseError look-alike: what node-postgres gives for a server error. */
function pgError(code: string, message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', ...fields })
}

/** What Node gives for a socket that failed. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code, syscall: 'connect' })
}

const OC000 = pgError('40001', 'change conflicts with another transaction (OC000)')
const OC001 = pgError('40001', 'schema has been updated by another transaction (OC001)')
const SERVER_UNAVAILABLE = pgError('XX000', 'server unavailable')
const ACCESS_DENIED = pgError('08006', 'unable to accept connection, access denied', {
  severity: 'FATAL',
  hint: 'User: arn:aws:iam::123456789012:user/app is not authorized to access this resource',
})

type Expected = Omit<ErrorVerdict, 'connectionLost' | 'code'> &
  Partial<Pick<ErrorVerdict, 'connectionLost' | 'code'>>

// The verdicts, by kind; each row below names one and, where it differs, its reason.
const conflict = (errorClass: 'occ-data' | 'occ-schema', reason: string): Expected => ({
  errorClass,
  retry: 'safe',
  endpointFault: false,
  tokenRefused: false,
  connectionLost: false,
  reason,
})
const refused = (reason: string): Expected => ({
  errorClass: 'rate-limited',
  retry: 'safe',
  endpointFault: false,
  tokenRefused: false,
  connectionLost: false,
  reason,
})
const lost = (reason: string): Expected => ({
  errorClass: 'transient',
  retry: 'if-idempotent',
  endpointFault: true,
  tokenRefused: false,
  connectionLost: true,
  reason,
})
const permanent = (reason: string, connectionLost = false): Expected => ({
  errorClass: 'permanent',
  retry: 'never',
  endpointFault: false,
  tokenRefused: false,
  connectionLost,
  reason,
})
const tokenRefused: Expected = {
  errorClass: 'permanent',
  retry: 'never',
  endpointFault: false,
  tokenRefused: true,
  connectionLost: true,
  reason: '08006 access denied',
  code: '08006',
}
const outcomeUnknown: Expected = {
  errorClass: 'outcome-unknown',
  retry: 'never',
  endpointFault: false,
  tokenRefused: false,
  connectionLost: true,
  reason: '08007 outcome unknown',
  code: '08007',
}

/** Runs one table row: the whole verdict, and the public reads of it agree. */
function expectVerdict(error: unknown, expected: Expected): void {
  const verdict = errorVerdict(error)
  expect(verdict).toMatchObject(expected)
  expect(classifyError(error)).toBe(expected.errorClass)
  expect(isOccError(error)).toBe(expected.errorClass === 'occ-data' || expected.errorClass === 'occ-schema')
}

describe('errorVerdict', () => {
  // dsql-behaviour.md 1.4: every auth failure is 08006 at startup; only "access denied" is the token.
  it.each<[string, unknown, Expected]>([
    ['access denied for a principal without access', ACCESS_DENIED, tokenRefused],
    [
      'access denied for a wrong user-to-action mapping',
      pgError('08006', 'unable to accept connection, access denied', {
        hint: 'Wrong user to action mapping. user: admin, action: DbConnect',
      }),
      tokenRefused,
    ],
    [
      'access denied for a missing IAM permission',
      pgError('08006', 'unable to accept connection, access denied', {
        hint: 'User: arn:aws:iam::123456789012:user/app is not authorized to perform: dsql:DbConnectAdmin',
      }),
      tokenRefused,
    ],
    [
      'access denied for an expired token',
      pgError('08006', 'unable to accept connection, access denied', {
        hint: 'Signature expired: 20261101T000000Z is now earlier than 20261101T001500Z',
      }),
      tokenRefused,
    ],
    [
      'our DsqlAuthError around DSQL access denied',
      new DsqlAuthError('DSQL refused the IAM token for user "admin"', {
        endpoint: 'abc.dsql.us-east-1.on.aws',
        hint: undefined,
        cause: ACCESS_DENIED,
      }),
      tokenRefused,
    ],
    [
      'a cluster waking up',
      pgError('08006', 'unable to accept connection, waking up cluster, please retry later'),
      {
        errorClass: 'transient',
        retry: 'safe',
        endpointFault: false,
        tokenRefused: false,
        connectionLost: true,
        reason: '08006 waking up cluster',
      },
    ],
    [
      'no SNI',
      pgError('08006', 'unable to accept connection, sni was not received'),
      permanent('08006 no SNI', true),
    ],
    [
      'TLS required',
      pgError('08006', 'unable to accept connection, SSL is required'),
      permanent('08006 TLS required', true),
    ],
    ['another 08006 refusal', pgError('08006', 'unable to accept connection'), permanent('08006', true)],
    [
      'IAM authentication failed (SQLSTATE undocumented; 28P01 assumed)',
      pgError('28P01', 'IAM authentication failed for user "app"'),
      permanent('28P01'),
    ],
  ])('decides DSQL auth: %s', (_name, error, expected) => expectVerdict(error, expected))

  // dsql-behaviour.md 2: connection rules.
  it.each<[string, unknown, Expected]>([
    [
      'the 60-minute cap (socket closed, no code)',
      new Error('Connection terminated unexpectedly'),
      lost('connection closed'),
    ],
    [
      'too many connections',
      pgError('53300', 'Unable to accept connection, too many open connections.', { severity: 'FATAL' }),
      refused('53300 too many connections'),
    ],
    [
      'the connection rate',
      pgError('53400', 'Unable to accept connection, rate exceeded.', { severity: 'FATAL' }),
      refused('53400 rate exceeded'),
    ],
    [
      'an oversized message',
      pgError('08P01', 'invalid message length'),
      permanent('08P01 protocol violation', true),
    ],
    [
      'an unsupported session parameter',
      pgError('0A000', 'setting configuration parameter "statement_timeout" not supported'),
      permanent('0A000'),
    ],
    [
      'an unknown parameter',
      pgError('42704', 'unrecognized configuration parameter "lc_collate"'),
      permanent('42704'),
    ],
    ['a database other than postgres', pgError('3D000', 'database "app" does not exist'), permanent('3D000')],
  ])('decides DSQL connection rules: %s', (_name, error, expected) => expectVerdict(error, expected))

  // dsql-behaviour.md 3.3: match 40001 plus the (OCxxx) marker; the texts drift.
  it.each<[string, unknown, Expected]>([
    ['OC000, current text', OC000, conflict('occ-data', '40001 OC000 data conflict')],
    [
      'OC000, legacy text',
      pgError('40001', 'mutation conflicts with another transaction, retry as needed (OC000)'),
      conflict('occ-data', '40001 OC000 data conflict'),
    ],
    [
      'OC000, "please retry" text',
      pgError('40001', 'change conflicts with another transaction, please retry: (OC000)'),
      conflict('occ-data', '40001 OC000 data conflict'),
    ],
    ['OC001, current text', OC001, conflict('occ-schema', '40001 OC001 schema conflict')],
    [
      'OC001, "please retry" text',
      pgError('40001', 'schema has been updated by another transaction, please retry: (OC001)'),
      conflict('occ-schema', '40001 OC001 schema conflict'),
    ],
    [
      'OC001, "retry as needed" text',
      pgError('40001', 'schema has been updated by another transaction, retry as needed (OC001)'),
      conflict('occ-schema', '40001 OC001 schema conflict'),
    ],
    [
      'a plain PostgreSQL serialization failure',
      pgError('40001', 'could not serialize access due to concurrent update'),
      conflict('occ-data', '40001 serialization failure'),
    ],
    ['code OC000', pgError('OC000', 'conflict'), conflict('occ-data', 'OC000 data conflict')],
    ['code OC001', pgError('OC001', 'conflict'), conflict('occ-schema', 'OC001 schema conflict')],
    [
      'server unavailable',
      SERVER_UNAVAILABLE,
      {
        errorClass: 'transient',
        retry: 'if-idempotent',
        endpointFault: true,
        tokenRefused: false,
        connectionLost: false,
        reason: 'XX000 server unavailable',
        code: 'XX000',
      },
    ],
    ['another internal error', pgError('XX000', 'internal error'), permanent('XX000')],
    [
      'a deadlock',
      pgError('40P01', 'deadlock detected'),
      { ...refused('40P01 deadlock'), errorClass: 'transient' },
    ],
    [
      'a statement after a failure inside BEGIN',
      pgError('25P02', 'current transaction is aborted, commands ignored until end of transaction block'),
      permanent('25P02'),
    ],
    [
      'a foreign key violation',
      pgError('23503', 'insert or update violates foreign key constraint'),
      permanent('23503'),
    ],
    [
      'a unique violation',
      pgError('23505', 'duplicate key value violates unique constraint'),
      permanent('23505'),
    ],
  ])('decides DSQL OCC and transaction errors: %s', (_name, error, expected) =>
    expectVerdict(error, expected),
  )

  // dsql-behaviour.md 3.4: limits are permanent; a retry hits them again.
  it.each<[string, string]>([
    ['54000', 'transaction row limit exceeded'],
    ['54000', 'transaction size limit 10mb exceeded'],
    ['54000', 'transaction age limit of 300s exceeded'],
    ['54000', 'query requires more than allowed temp space of 131072 KB to execute'],
    ['53200', 'query requires too much temp space, out of memory.'],
    ['54000', 'key size too large'],
    ['54000', 'maximum row size exceeded'],
    ['54000', 'maximum column size exceeded'],
    ['54000', 'datatype limit greater than 1048576 bytes not supported for text'],
    ['54000', 'more than 24 indexes per table are not allowed'],
    ['54011', 'more than 8 column keys in an index are not supported'],
    ['54011', 'tables can have at most 255 columns'],
    ['54000', 'more than 10 schemas not allowed'],
    ['54000', 'creating more than 1000 tables not allowed'],
    ['54000', 'creating more than 5000 views not allowed'],
    ['54000', 'creating more than 5000 sequences is not allowed'],
  ])('decides the DSQL limit %s "%s" permanent', (code, message) =>
    expectVerdict(pgError(code, message), { ...permanent(code), code }),
  )

  // dsql-behaviour.md 3.5 and 4.2: DDL rules and unsupported features are refusals, never retried.
  it.each<[string, string]>([
    ['0A000', 'multiple ddl statements not supported in a transaction'],
    ['0A000', 'ddl and dml are not supported in the same transaction'],
    ['0A000', 'unsupported mode. please use CREATE INDEX ASYNC.'],
    ['0A000', 'CONCURRENTLY not supported for CREATE INDEX'],
    ['0A000', 'specifying sort order not supported for index keys'],
    ['42601', 'syntax error at or near "."'],
    ['0A000', 'Unsupported isolation level: SERIALIZABLE'],
    ['0A000', 'setting configuration parameter "TRANSACTION" not supported'],
    ['0A000', 'locking clauses other than FOR UPDATE/FOR KEY SHARE are not supported'],
    ['0A000', 'unsupported statement: Truncate'],
    ['0A000', 'unsupported statement: CreateExtension'],
    ['0A000', 'CREATE TRIGGER not supported'],
    ['0A000', 'unsupported statement: Createdb'],
    ['0A000', 'TEMPORARY or TEMP table not supported for CREATE TABLE'],
    ['0A000', 'UNLOGGED table not supported for CREATE TABLE'],
    ['42704', 'type "serial" does not exist'],
    [
      '0A000',
      'CREATE SEQUENCE is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1',
    ],
    [
      '0A000',
      'identity column is not supported without an explicit cache size. please define CACHE greater than or equal to 65536 or equal to 1',
    ],
    ['0A000', 'datatype integer not supported, identity column type must be bigint'],
    ['0A000', 'unsupported statement: CreateTableAs'],
    ['0A000', 'CREATE TYPE not supported'],
    ['0A000', 'unsupported statement: CompositeType'],
    ['0A000', 'unsupported statement: CreateRange'],
    ['0A000', 'ALTER TYPE not supported'],
    ['0A000', 'unsupported statement: CreateTableSpace'],
    ['0A000', 'unsupported statement: CreateForeignTable'],
    ['0A000', 'unsupported VACUUM statement'],
    ['0A000', 'unsupported statement: Listen'],
    ['0A000', 'unsupported statement: Notify'],
    ['0A000', 'unsupported statement: Unlisten'],
    ['0A000', 'unsupported statement: AlterSystem'],
    ['0A000', 'unsupported transaction statement: SAVEPOINT'],
    ['0A000', 'unsupported transaction statement: ROLLBACK TO'],
    ['0A000', 'unsupported transaction statement: RELEASE'],
    ['0A000', 'CREATE FUNCTION with language plpgsql not supported'],
    ['0A000', 'PROCEDURE is not supported'],
    ['0A000', 'unsupported statement type: MERGE'],
    ['0A000', 'TABLESAMPLE clause not supported'],
    ['0A000', 'datatype text[] not supported'],
    ['0A000', 'datatype money not supported'],
    ['0A000', 'ALTER TABLE ADD COLUMN with constraint not supported'],
    ['0A000', 'unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement'],
    ['0A000', 'unsupported ALTER TABLE ADD CONSTRAINT statement'],
    ['0A000', 'unsupported ALTER TABLE VALIDATE CONSTRAINT statement'],
    ['42704', 'text search configuration "english" does not exist'],
  ])('decides the DSQL refusal %s "%s" permanent', (code, message) =>
    expectVerdict(pgError(code, message), { ...permanent(code), code }),
  )

  // dsql-behaviour.md 5: an isolated Region refuses or drops connections, or answers XX000.
  it.each<[string, unknown, Expected]>([
    ['new connections reset', socketError('ECONNRESET'), { ...lost('ECONNRESET'), code: 'ECONNRESET' }],
    ['new connections time out', socketError('ETIMEDOUT'), { ...lost('ETIMEDOUT'), code: 'ETIMEDOUT' }],
    ['existing sessions dropped', new Error('Connection terminated unexpectedly'), lost('connection closed')],
    [
      'statements failing with server unavailable',
      SERVER_UNAVAILABLE,
      { ...lost('XX000 server unavailable'), connectionLost: false },
    ],
    ['recovery conflicts', OC000, conflict('occ-data', '40001 OC000 data conflict')],
  ])('decides multi-Region failures: %s', (_name, error, expected) => expectVerdict(error, expected))

  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'EHOSTDOWN',
    'ENETUNREACH',
    'ENETDOWN',
    'ENOTFOUND',
    'EAI_AGAIN',
  ])('condemns the endpoint for the socket code %s', (code) =>
    expectVerdict(socketError(code), { ...lost(code), code }),
  )

  it.each([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
  ])('does not condemn the endpoint for the TLS verification failure %s', (code) =>
    expectVerdict(socketError(code), { ...permanent(code), code }),
  )

  it.each<[string, Expected]>([
    ['Connection terminated unexpectedly', lost('connection closed')],
    ['Connection terminated', lost('connection closed')],
    ['Client has encountered a connection error and is not queryable', lost('connection closed')],
    ['Connection terminated due to connection timeout', lost('timed out')],
    ['timeout expired', lost('timed out')],
    ['timeout exceeded when trying to connect', permanent('checkout timed out')],
    ['Query read timeout', permanent('failed')],
    ['The server does not support SSL connections', permanent('failed')],
    ['There was an error establishing an SSL connection', permanent('failed')],
    ['Client was closed and is not queryable', permanent('failed')],
  ])('reads pg\'s codeless "%s"', (message, expected) =>
    expectVerdict(new Error(message), { ...expected, code: undefined }),
  )

  // Knex rewrites a pg error's message in place, the failed SQL in front (Knex has no error class
  // of its own for it); test/orm/knex meets the real one on a dropped connection.
  it.each<[string, Expected]>([
    ['BEGIN; - Connection terminated unexpectedly', lost('connection closed')],
    ['update "stock" set "qty" = "qty" - 1 - Connection terminated unexpectedly', lost('connection closed')],
    ['select 1 - Client was closed and is not queryable', permanent('failed')],
    ['select 1 - 1 - Connection terminated unexpectedly, more', permanent('failed')],
  ])('reads pg\'s codeless message behind the SQL Knex puts in front: "%s"', (message, expected) =>
    expectVerdict(new Error(message), { ...expected, code: undefined }),
  )

  it.each<[string, unknown, Expected]>([
    [
      'our NoHealthyEndpointError',
      new NoHealthyEndpointError('none', { endpoints: [], elapsedMs: 0 }),
      { ...lost('08001'), code: '08001' },
    ],
    ['a client unable to connect', pgError('08001', 'could not connect'), lost('08001')],
    ['a connection that does not exist', pgError('08003', 'connection does not exist'), lost('08003')],
    ['a connection exception', pgError('08000', 'connection exception'), lost('08000')],
    [
      'an administrator shutdown',
      pgError('57P01', 'terminating connection due to administrator command'),
      lost('57P01'),
    ],
    [
      'a crash shutdown',
      pgError('57P02', 'terminating connection because of crash of another server process'),
      lost('57P02'),
    ],
    ['a server starting up', pgError('57P03', 'the database system is starting up'), lost('57P03')],
    [
      'a cancelled statement',
      pgError('57014', 'canceling statement due to user request'),
      permanent('57014'),
    ],
    [
      'our TransactionOutcomeUnknownError',
      new TransactionOutcomeUnknownError('unknown', { attempts: 1, cause: OC000 }),
      outcomeUnknown,
    ],
    ['a server 08007', pgError('08007', 'transaction resolution unknown'), outcomeUnknown],
    [
      'our OccRetryExhaustedError',
      new OccRetryExhaustedError('kept conflicting', { attempts: 3, elapsedMs: 10, cause: OC000 }),
      // Still a conflict, but its retries ran out: an outer loop must not start them again.
      { ...conflict('occ-data', '40001 OC000 retries exhausted'), retry: 'never' },
    ],
    ['our TransactionAbortedError', new TransactionAbortedError('aborted'), permanent('25P02')],
    ['our DsqlConfigError', new DsqlConfigError('bad', { option: 'region' }), permanent('ERR_DSQL_CONFIG')],
  ])('decides other connection and pg-dsql errors: %s', (_name, error, expected) =>
    expectVerdict(error, expected),
  )

  it.each<[string, unknown, Expected]>([
    [
      'an ORM error whose cause is the pg error',
      new Error('Failed query: update stock', { cause: OC000 }),
      conflict('occ-data', '40001 OC000 data conflict'),
    ],
    [
      'a pg error nested two deep',
      new Error('outer', { cause: new Error('inner', { cause: SERVER_UNAVAILABLE }) }),
      { ...lost('XX000 server unavailable'), connectionLost: false },
    ],
    [
      'an AggregateError holding one',
      new AggregateError([new Error('other'), ACCESS_DENIED], 'many'),
      tokenRefused,
    ],
    [
      'a wrapper with its own silent code around a conflict',
      Object.assign(new Error('wrapper', { cause: OC000 }), { code: '23505' }),
      conflict('occ-data', '40001 OC000 data conflict'),
    ],
    [
      'a wrapper that copied XX000 but not the text',
      Object.assign(new Error('Query failed', { cause: SERVER_UNAVAILABLE }), { code: 'XX000' }),
      { ...lost('XX000 server unavailable'), connectionLost: false },
    ],
    [
      'an outcome-unknown under a conflict',
      new Error('wrapper', {
        cause: new AggregateError([
          OC000,
          new TransactionOutcomeUnknownError('unknown', { attempts: 1, cause: OC000 }),
        ]),
      }),
      outcomeUnknown,
    ],
    [
      'a wrapper around a silent code',
      new Error('wrapper', { cause: pgError('23505', 'dup') }),
      permanent('23505'),
    ],
    ['a conflict nested past the depth bound', nest(OC000, 10), permanent('failed')],
  ])('looks through wrappers: %s', (_name, error, expected) => expectVerdict(error, expected))

  it('survives cyclic cause chains', () => {
    const a = new Error('a') as Error & { cause?: unknown }
    const b = new Error('b', { cause: a })
    a.cause = b
    expectVerdict(a, { ...permanent('failed'), code: undefined })
    const conflictInCycle = new Error('c', { cause: OC000 }) as Error & { cause?: unknown }
    const loop = new Error('loop', { cause: conflictInCycle })
    ;(conflictInCycle as { errors?: unknown }).errors = [loop]
    expectVerdict(loop, conflict('occ-data', '40001 OC000 data conflict'))
  })

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'boom'],
    ['a number', 42],
    ['an empty object', {}],
    ['a numeric code', { code: 40001, message: '(OC000)' }],
    ['a plain error', new Error('boom')],
  ])('calls %s permanent', (_name, error) =>
    expectVerdict(error, { ...permanent('failed'), code: undefined }),
  )

  it.each(['constructor', '__proto__', 'toString'])(
    'calls the code %s permanent, not an Object property',
    (code) => expectVerdict({ code }, { ...permanent(code), code }),
  )

  it('decides a pg-shaped plain object like the pg error', () => {
    expectVerdict(
      { code: '40001', message: 'change conflicts (OC000)' },
      conflict('occ-data', '40001 OC000 data conflict'),
    )
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
      fc.property(tree, unknown, fc.nat(3), (inner, outcomeUnknownError, depth) => {
        let error: unknown = new AggregateError([inner, outcomeUnknownError], 'mixed')
        for (let level = 0; level < depth; level++) error = new Error('wrapper', { cause: error })
        const verdict = errorVerdict(error)
        return verdict.errorClass === 'outcome-unknown' && verdict.retry === 'never' && !verdict.endpointFault
      }),
    )
  })

  it('never calls an error retryable when nothing in it is a retryable signal', () => {
    const never = fc.constantFrom<unknown>(
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
      fc.property(fc.array(never, { minLength: 1, maxLength: 4 }), fc.nat(3), (members, depth) => {
        let error: unknown = members.length === 1 ? members[0] : new AggregateError(members, 'many')
        for (let level = 0; level < depth; level++) error = new Error('wrapper', { cause: error })
        const verdict = errorVerdict(error)
        return verdict.retry === 'never' && !verdict.endpointFault
      }),
    )
  })

  it('never puts the server message in the reason', () => {
    const codes = [
      '40001',
      'OC000',
      'XX000',
      '08006',
      '08001',
      '53300',
      '54000',
      'ECONNRESET',
      '57P01',
      undefined,
    ]
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.string(),
        fc.constantFrom('', 'server unavailable', '(OC001)', 'access denied'),
        (code, text, marker) => {
          const secret = `SECRET-${text}`
          const error = Object.assign(new Error(`${marker} ${secret}`), code === undefined ? {} : { code })
          return !errorVerdict(error).reason.includes('SECRET')
        },
      ),
    )
  })

  it('keeps its verdicts within the closed sets and consistent with each other', () => {
    const samples: unknown[] = [
      OC000,
      OC001,
      SERVER_UNAVAILABLE,
      ACCESS_DENIED,
      pgError('08006', 'unable to accept connection, waking up cluster, please retry later'),
      pgError('53300', 'too many'),
      pgError('08P01', 'invalid message length'),
      pgError('57P01', 'shutdown'),
      socketError('ECONNREFUSED'),
      new Error('timeout expired'),
      new TransactionOutcomeUnknownError('unknown', { attempts: 1, cause: undefined }),
      pgError('23505', 'dup'),
      'text',
    ]
    for (const sample of samples) {
      const verdict = errorVerdict(sample)
      expect(ERROR_CLASSES).toContain(verdict.errorClass)
      expect(RETRY_SAFETY).toContain(verdict.retry)
      // An endpoint at fault means a retry elsewhere may help; a refused token never retries by itself.
      if (verdict.endpointFault) expect(verdict.retry).not.toBe('never')
      if (verdict.tokenRefused) expect([verdict.retry, verdict.endpointFault]).toEqual(['never', false])
      if (verdict.errorClass === 'permanent' || verdict.errorClass === 'outcome-unknown')
        expect(verdict.retry).toBe('never')
      else expect(verdict.retry).not.toBe('never')
    }
  })
})

describe('src/errors', () => {
  it('imports nothing of ours outside the folder', () => {
    const folder = join(import.meta.dirname, '../../../src/errors')
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(join(folder, file), 'utf8')
      for (const [, specifier] of source.matchAll(/from '([^']+)'/g)) {
        expect(`${file}: ${specifier}`).toMatch(/: \.\/[^/]+$/)
      }
    }
  })
})

function nest(error: unknown, levels: number): unknown {
  let nested = error
  for (let level = 0; level < levels; level++) nested = new Error('wrapper', { cause: nested })
  return nested
}
