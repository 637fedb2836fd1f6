import { describe, expect, it } from 'vitest'
import {
  capturedMigration,
  contentId,
  isKeptStatement,
  joinStatements,
  MigrationSourceError,
} from '../../../src/adapters/orm-migration.js'

describe('joinStatements', () => {
  it('ends each statement in one semicolon on its own line and drops empty ones', () => {
    expect(joinStatements(['create table a (id int)', 'drop table b;;', '  ', 'select 1;  '])).toBe(
      'create table a (id int);\n\ndrop table b;\n\nselect 1;\n',
    )
  })
})

describe('contentId and capturedMigration', () => {
  it('names SQL by its hash, the same SQL the same name', () => {
    expect(contentId('x', 'select 1')).toMatch(/^x-[0-9a-f]{12}$/)
    expect(contentId('x', 'select 1')).toBe(contentId('x', 'select 1'))
    expect(contentId('x', 'select 2')).not.toBe(contentId('x', 'select 1'))
  })

  it('makes no migration of no statements, and keeps an id given', () => {
    expect(capturedMigration('x', [], undefined)).toEqual([])
    expect(capturedMigration('x', ['drop table t'], 'mine')).toEqual([{ id: 'mine', sql: 'drop table t;\n' }])
  })
})

describe('isKeptStatement', () => {
  it.each([
    'BEGIN',
    'start transaction',
    'COMMIT',
    'rollback',
    'SAVEPOINT a',
    'release a',
    'select 1',
    'SHOW x',
  ])('leaves out %s', (sql) => expect(isKeptStatement(sql)).toBe(false))
  it.each(['create table t (id int)', 'insert into t values (1)', 'alter table t add column c int'])(
    'keeps %s',
    (sql) => expect(isKeptStatement(sql)).toBe(true),
  )
})

describe('MigrationSourceError', () => {
  it('has a name, a code and a cause, and is recognised across copies of the class by its brand', () => {
    const cause = new Error('inner')
    const error = new MigrationSourceError('could not read', { cause })
    expect(error).toMatchObject({ name: 'MigrationSourceError', code: 'ERR_DSQL_MIGRATE_SOURCE', cause })
    const copy = Object.assign(new Error('x'), { [Symbol.for('pg-dsql-migrate.MigrationSourceError')]: true })
    expect(copy instanceof MigrationSourceError).toBe(true)
    expect(new Error('plain') instanceof MigrationSourceError).toBe(false)
  })
})
