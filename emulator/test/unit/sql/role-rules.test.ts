import { beforeAll, describe, expect, it } from 'vitest'
import { roleChangeRefusal } from '../../../src/sql/role-rules.js'
import { loadSqlParser, type SqlParser } from '../../../src/sql/sql-parser.js'

let parser: SqlParser
beforeAll(async () => {
  parser = await loadSqlParser()
})

describe('roleChangeRefusal', () => {
  const refusal = (sql: string, sessionUser: string) =>
    roleChangeRefusal(parser.parse(sql)![0]!.node, sessionUser)

  it.each([
    ["ALTER ROLE admin PASSWORD 'x'", 'admin'],
    ['ALTER ROLE "admin" PASSWORD \'x\'', 'app'],
    ['ALTER USER admin WITH SUPERUSER', 'admin'],
    ["ALTER USER CURRENT_USER WITH PASSWORD 'x'", 'admin'],
    ["ALTER ROLE SESSION_USER VALID UNTIL 'infinity'", 'admin'],
    ['ALTER ROLE CURRENT_ROLE CREATEDB', 'admin'],
    ['ALTER ROLE admin SET search_path = public', 'admin'],
    ['ALTER ROLE admin IN DATABASE postgres SET work_mem = 1', 'admin'],
    ['ALTER GROUP admin ADD USER app', 'admin'],
    ['ALTER ROLE admin RENAME TO boss', 'admin'],
    ['DROP ROLE IF EXISTS app, admin', 'admin'],
  ])('refuses %s in a session of %s with 42501', (sql, user) => {
    expect(refusal(sql, user)).toEqual({
      severity: 'ERROR',
      code: '42501',
      message: 'permission denied to change role admin',
      detail: "DSQL's admin role is predefined and cannot be altered, renamed or dropped.",
    })
  })

  it.each([
    ["ALTER ROLE app PASSWORD 'x'", 'admin'],
    ["ALTER USER CURRENT_USER WITH PASSWORD 'x'", 'app'],
    ['ALTER ROLE app RENAME TO admin2', 'admin'],
    ['DROP ROLE app', 'admin'],
    ['CREATE ROLE app2 LOGIN', 'admin'],
    ['GRANT app TO admin', 'admin'],
    ['SELECT 1', 'admin'],
  ])('lets %s through in a session of %s', (sql, user) => {
    expect(refusal(sql, user)).toBeUndefined()
  })
})
