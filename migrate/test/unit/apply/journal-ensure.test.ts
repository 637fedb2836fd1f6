import { describe, expect, it } from 'vitest'
import type { ApplyEvent } from '../../../src/apply/apply-events.js'
import { Journal } from '../../../src/apply/journal.js'
import { RunnerSession } from '../../../src/apply/runner-session.js'
import type { MigrateClient, MigratePool } from '../../../src/index.js'

const names = { schema: 'public', table: 'pg_dsql_migrate_journal', lockTable: 'pg_dsql_migrate_lock' }
const policy = { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }

/**
 * A database where another runner creates each table just before ours does: PostgreSQL then
 * fails our CREATE TABLE IF NOT EXISTS with a duplicate, `code`, instead of a notice.
 */
function racedDatabase(code: string) {
  const tables = new Set<string>()
  const creates: string[] = []
  const client: MigrateClient = {
    async query(sql, values) {
      if (sql.includes('pg_catalog.pg_class')) {
        return { rows: tables.has(String(values?.[1])) ? [{ '?column?': 1 }] : [], rowCount: 0 }
      }
      const created = /CREATE TABLE IF NOT EXISTS "?\w+"?\."?(\w+)"?/.exec(sql)?.[1]
      if (created !== undefined) {
        creates.push(created)
        tables.add(created)
        throw Object.assign(new Error(`type "${created}" already exists`), { code })
      }
      return { rows: [], rowCount: 0 }
    },
    release: () => {},
  }
  const pool: MigratePool = { connect: async () => client }
  return { pool, creates }
}

describe('Journal.ensure', () => {
  it.each(['23505', '42P07', '42710'])(
    'takes a table another runner created first (%s) as created, and goes on',
    async (code) => {
      const { pool, creates } = racedDatabase(code)
      const events: ApplyEvent[] = []
      const journal = new Journal(names, policy, (event) => events.push(event))
      await journal.ensure(new RunnerSession(pool))
      expect(creates).toEqual([names.table, names.lockTable])
      expect(events.filter((event) => event.type === 'journal.created')).toHaveLength(2)
    },
  )

  it('still fails on a duplicate when the table is not there after all', async () => {
    const client: MigrateClient = {
      async query(sql) {
        if (sql.includes('pg_catalog.pg_class')) return { rows: [], rowCount: 0 }
        throw Object.assign(new Error('type "pg_dsql_migrate_journal" already exists'), { code: '42710' })
      },
      release: () => {},
    }
    const journal = new Journal(names, policy, () => {})
    await expect(journal.ensure(new RunnerSession({ connect: async () => client }))).rejects.toMatchObject({
      code: '42710',
    })
  })
})
