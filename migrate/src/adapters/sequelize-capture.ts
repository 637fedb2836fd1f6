import type { Sequelize } from 'sequelize'
import { isKeptStatement } from './orm-migration.js'

/** What `work` gets while a Sequelize's schema changes are being recorded. */
export interface SequelizeCapture {
  /** A query through the real Sequelize (the capture sends reads this way). */
  read(sql: string, options?: object): Promise<unknown>
  /** The statements `work` sends while `during` runs, split one per statement and not yet kept. */
  separately(during: () => Promise<unknown>): Promise<string[]>
  /** Adds statements to the recording. */
  keep(statements: readonly string[]): void
}

const READ = /^\s*select\b/i

/**
 * Runs `work` with `sequelize.query` recording every statement except reads, which go to the
 * database as usual (Sequelize's sync and migrations look at tables, columns and indexes first).
 * Resolves the recorded statements, in order.
 */
export async function captureSequelize(
  sequelize: Sequelize,
  work: (capture: SequelizeCapture) => Promise<void>,
): Promise<string[]> {
  const statements: string[] = []
  const read = sequelize.query.bind(sequelize) as (sql: string, options?: object) => Promise<unknown>
  let aside: string[] | undefined
  const record = async (sql: string | { query: string }, queryOptions?: object) => {
    const text = typeof sql === 'string' ? sql : sql.query
    if (READ.test(text)) return read(text, queryOptions)
    // Sequelize sends some changes as several statements in one string (changeColumn).
    if (aside !== undefined)
      aside.push(...text.split(/;\s*(?=ALTER TABLE\b|$)/i).filter((s) => s.trim() !== ''))
    else if (isKeptStatement(text)) statements.push(text)
    return [[], 0]
  }
  const capture: SequelizeCapture = {
    read,
    async separately(during) {
      aside = []
      try {
        await during()
        return aside
      } finally {
        aside = undefined
      }
    },
    keep(kept) {
      statements.push(...kept)
    },
  }
  const restore = shadow(sequelize, { query: record })
  try {
    await work(capture)
  } finally {
    restore()
  }
  return statements
}

/** Puts `methods` on `target` itself, over its own or its prototype's; the returned function undoes it. */
export function shadow(target: object, methods: Record<string, unknown>): () => void {
  const before = Object.keys(methods).map(
    (key) => [key, Object.getOwnPropertyDescriptor(target, key)] as const,
  )
  Object.assign(target, methods)
  return () => {
    for (const [key, descriptor] of before) {
      if (descriptor === undefined) delete (target as Record<string, unknown>)[key]
      else Object.defineProperty(target, key, descriptor)
    }
  }
}
