import { describe, expect, it } from 'vitest'
import {
  ApplyError,
  ApplyOptionError,
  type ApplyOptions,
  apply,
  type MigratePool,
  status,
} from '../../../src/index.js'

// A pool that must never be reached: options are checked before anything connects.
const pool: MigratePool = {
  connect: () => {
    throw new Error('connected before the options were checked')
  },
}

const CASES: readonly [string, Partial<ApplyOptions> & Record<string, unknown>, string][] = [
  ['no pool', { pool: undefined }, 'pool'],
  ['a pool without connect()', { pool: {} as MigratePool }, 'pool'],
  ['migrations that are not an array', { migrations: 'x' as never }, 'migrations'],
  ['a migration without an id', { migrations: [{ id: '', sql: 'SELECT 1' }] }, 'migrations[0].id'],
  [
    'two migrations with one id',
    {
      migrations: [
        { id: 'a', sql: '' },
        { id: 'a', sql: '' },
      ],
    },
    'migrations[1].id',
  ],
  [
    'a migration with both sql and statements',
    { migrations: [{ id: 'a', sql: '', statements: [] }] },
    'migrations[0]',
  ],
  ['a migration with neither', { migrations: [{ id: 'a' }] }, 'migrations[0]'],
  ['lock.leaseMs under 100', { lock: { leaseMs: 10 } }, 'lock.leaseMs'],
  ['lock.pollIntervalMs of 0', { lock: { pollIntervalMs: 0 } }, 'lock.pollIntervalMs'],
  ['lock.waitTimeoutMs that is not an integer', { lock: { waitTimeoutMs: 1.5 } }, 'lock.waitTimeoutMs'],
  ['an empty lock.holderId', { lock: { holderId: '' } }, 'lock.holderId'],
  ['retry.maxAttempts of 0', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
  ['an unknown jobs.method', { jobs: { method: 'sleep' as never } }, 'jobs.method'],
  ['a journal table name past 59 bytes', { journal: { table: 'j'.repeat(60) } }, 'journal.table'],
  ['an onEvent that is not a function', { onEvent: 'log' as never }, 'onEvent'],
]

describe('apply options', () => {
  it.each(CASES)('refuses %s with ApplyOptionError naming the option', async (_, options, option) => {
    const refused = await apply({ pool, migrations: [], ...options } as ApplyOptions).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ApplyOptionError)
    expect(refused).toBeInstanceOf(ApplyError)
    expect(refused).toMatchObject({ name: 'ApplyOptionError', code: 'ERR_DSQL_MIGRATE_OPTION', option })
    expect((refused as Error).message).toContain(`\`${option}\``)
  })

  it('checks status options the same way', async () => {
    const refused = await status({ pool, migrations: [{ id: 'a' }] }).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'ERR_DSQL_MIGRATE_OPTION', option: 'migrations[0]' })
  })
})
