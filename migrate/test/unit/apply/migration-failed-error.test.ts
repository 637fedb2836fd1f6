import { describe, expect, it } from 'vitest'
import { MigrationFailedError } from '../../../src/index.js'

const statement = {
  migrationId: '0001_init',
  index: 2,
  location: { source: '0001_init.sql', line: 3, column: 1, offset: 40 },
}

describe('MigrationFailedError', () => {
  it('asks for the statement to be fixed when the statement itself failed', () => {
    const error = new MigrationFailedError(
      statement,
      'ALTER TABLE nope ADD COLUMN x text',
      Object.assign(new Error('relation "nope" does not exist'), { code: '42P01' }),
    )
    expect(error.message).toContain('Fix this statement (or the data it needs)')
  })

  it.each([
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    [
      'a refused one',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['server unavailable', Object.assign(new Error('server unavailable'), { code: 'XX000' })],
  ])(
    'does not blame the statement for %s: it says to run again once the database can be reached',
    (_, cause) => {
      const error = new MigrationFailedError(statement, 'CREATE TABLE t (id int PRIMARY KEY)', cause)
      expect(error.message).not.toContain('Fix this statement')
      expect(error.message).toContain('could not be reached')
    },
  )
})
