import { describe, expect, it } from 'vitest'
import { resolveRetryOptions } from '../../../src/config/index.js'
import { EventSink } from '../../../src/observability/index.js'
import {
  type AutocommitFailure,
  autocommitRetryDelay,
  isReadOnlyStatement,
} from '../../../src/retry/index.js'

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code })

describe('isReadOnlyStatement', () => {
  it.each([
    ['SELECT 1', true],
    ['  select * from orders where id = $1', true],
    ['WITH t AS (SELECT 1) SELECT * FROM t', true],
    ['SHOW transaction_isolation', true],
    ['/* report */ SELECT count(*) FROM orders', true],
    ['SELECT * FROM stock WHERE sku = $1 FOR UPDATE', false],
    ['SELECT * FROM stock FOR KEY SHARE', false],
    ['WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved', false],
    ["SELECT nextval('s')", false],
    ['INSERT INTO orders VALUES (1)', false],
    ['UPDATE stock SET qty = qty - 1', false],
    ['-- select\nDELETE FROM t', false],
    ['CALL sys.wait_for_job($1)', false],
  ])('says %j is read-only: %s', (sql, expected) => {
    expect(isReadOnlyStatement(sql)).toBe(expected)
  })
})

describe('autocommitRetryDelay', () => {
  const retry = resolveRetryOptions({ baseDelayMs: 1, maxDelayMs: 1 })

  it.each<[AutocommitFailure['allow'], string, unknown, boolean]>([
    [
      'conflict',
      'a data conflict',
      pgError('40001', 'change conflicts with another transaction (OC000)'),
      true,
    ],
    [
      'conflict',
      'a schema conflict',
      pgError('40001', 'schema has been updated by another transaction (OC001)'),
      true,
    ],
    [
      'conflict',
      'server unavailable (a write may have applied)',
      pgError('XX000', 'server unavailable'),
      false,
    ],
    ['conflict', 'a unique violation', pgError('23505', 'duplicate key'), false],
    ['lost-read', 'a dropped connection', new Error('Connection terminated unexpectedly'), true],
    ['lost-read', 'server unavailable', pgError('XX000', 'server unavailable'), true],
    ['lost-read', 'an internal error', pgError('XX000', 'internal error'), false],
    ['lost-read', 'an oversized message', pgError('08P01', 'invalid message length'), false],
    ['connect', 'a refused socket', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), true],
    ['connect', 'a failed DNS lookup', Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), true],
    ['connect', 'the connection rate', pgError('53400', 'Unable to accept connection, rate exceeded.'), true],
    [
      'connect',
      'a cluster waking up',
      pgError('08006', 'unable to accept connection, waking up cluster'),
      true,
    ],
    ['connect', 'a refused token', pgError('08006', 'unable to accept connection, access denied'), false],
    [
      'connect',
      'an untrusted certificate',
      Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      false,
    ],
  ])('for %s, retries %s: %s', (allow, _name, error, retried) => {
    const delayMs = autocommitRetryDelay(
      { error, attempt: 1, startedAt: 0, allow },
      retry,
      new EventSink(undefined),
      () => 0,
    )
    expect(delayMs !== undefined).toBe(retried)
  })
})
