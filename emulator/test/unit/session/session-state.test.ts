import { describe, expect, it } from 'vitest'
import {
  afterUnit,
  type FinishedUnit,
  isIdle,
  OPENED,
  type OpenSession,
  type SessionState,
} from '../../../src/session/session-state.js'

const inTransaction: OpenSession = { ...OPENED, status: 'T' }
const unit = (change: Partial<FinishedUnit> = {}): FinishedUnit => ({
  boundary: 'query',
  status: 'T',
  wroteByTag: false,
  ...change,
})

describe('afterUnit', () => {
  it.each([
    [
      'a write tag makes the transaction known to have written',
      inTransaction,
      unit({ wroteByTag: true }),
      'wrote',
      true,
    ],
    [
      'what the backend said during the unit holds for that unit only',
      { ...inTransaction, writes: 'none' },
      unit(),
      'unknown',
      false,
    ],
    [
      'a known write stays known while the transaction is open',
      { ...inTransaction, writes: 'wrote' },
      unit(),
      'wrote',
      true,
    ],
    [
      'the end of a transaction forgets its writes, after reporting them',
      { ...inTransaction, writes: 'wrote' },
      unit({ status: 'I' }),
      'unknown',
      true,
    ],
  ] as const)('%s', (_name, state, finished, writes, wrote) => {
    const { next, wrote: reported } = afterUnit(state, finished)
    expect(next.writes).toBe(writes)
    expect(reported).toBe(wrote)
  })

  it.each([
    ['a Flush unit starts a flush sequence', 'units', 'flush', 'flush-sequence'],
    ['a Sync unit ends it', 'flush-sequence', 'sync', 'units'],
    ['a simple query ends it', 'flush-sequence', 'query', 'units'],
    ['a standalone message leaves it as it is', 'flush-sequence', 'other', 'flush-sequence'],
    ['a failed Flush unit keeps skipping to the Sync', 'skip-to-sync', 'flush', 'skip-to-sync'],
  ] as const)('%s', (_name, stream, boundary, expected) => {
    const { next } = afterUnit({ ...OPENED, stream }, unit({ boundary, status: undefined }))
    expect(next.stream).toBe(expected)
  })

  it('keeps the status when the reply ended without ReadyForQuery, and clears the unit in flight', () => {
    const running: OpenSession = { ...inTransaction, inFlight: { sink: undefined } }
    const { next } = afterUnit(running, unit({ boundary: 'flush', status: undefined }))
    expect(next).toMatchObject({ status: 'T', inFlight: undefined })
  })

  it('keeps a retiring session retiring', () => {
    expect(afterUnit({ ...inTransaction, phase: 'retiring' }, unit()).next.phase).toBe('retiring')
  })
})

describe('isIdle', () => {
  it.each([
    ['a new session', OPENED, true],
    ['a session in a transaction', inTransaction, false],
    ['a session with a unit in flight', { ...OPENED, inFlight: { sink: undefined } }, false],
    ['a closed session', { phase: 'closed', mode: 'drop' }, false],
  ] as const)('%s: %s', (_name, state, idle) => {
    expect(isIdle(state as SessionState)).toBe(idle)
  })
})
