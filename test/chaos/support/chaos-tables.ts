import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Emulator } from 'pg-dsql-emulator'
import { DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { backendUrl } from '../../support/emulator.js'

/** Accounts the transfers move money between, and each one's opening balance. */
export const ACCOUNTS = 16
export const OPENING_BALANCE = 1000

/**
 * The tables one chaos test file writes, under names no other file uses: `accounts` and
 * `transfers` (each transfer's row is written in its own transaction, so the balances can be
 * checked against the log), `kv` (idempotent upserts) and `ledger` (inserts with no unique key on
 * `op_id`, so a write applied twice shows as two rows).
 */
export interface ChaosTables {
  readonly accounts: string
  readonly transfers: string
  readonly kv: string
  readonly ledger: string
}

/** Creates the tables through the emulator, the DSQL way: one DDL per transaction. */
export async function createChaosTables(emulator: Emulator): Promise<ChaosTables> {
  const suffix = randomBytes(4).toString('hex')
  const tables: ChaosTables = {
    accounts: `chaos_accounts_${suffix}`,
    transfers: `chaos_transfers_${suffix}`,
    kv: `chaos_kv_${suffix}`,
    ledger: `chaos_ledger_${suffix}`,
  }
  const pool = new DsqlPool(optionsFor(emulator, { max: 1 }))
  try {
    await pool.query(`CREATE TABLE ${tables.accounts} (id int PRIMARY KEY, balance bigint NOT NULL)`)
    await pool.query(
      `CREATE TABLE ${tables.transfers} (op_id text PRIMARY KEY, from_id int NOT NULL, to_id int NOT NULL, amount int NOT NULL)`,
    )
    await pool.query(`CREATE TABLE ${tables.kv} (k text PRIMARY KEY, v text NOT NULL)`)
    await pool.query(
      `CREATE TABLE ${tables.ledger} (row_id uuid PRIMARY KEY DEFAULT gen_random_uuid(), op_id text NOT NULL, kind text NOT NULL)`,
    )
    await pool.query(
      `INSERT INTO ${tables.accounts} SELECT i, ${OPENING_BALANCE} FROM generate_series(0, ${ACCOUNTS - 1}) AS i`,
    )
  } finally {
    await pool.end()
  }
  return tables
}

/** What the database holds for one scenario's operations, read straight from the backend. */
export interface DatabaseTruth {
  /** Ledger rows per op id. */
  readonly ledger: ReadonlyMap<string, number>
  readonly transfers: ReadonlySet<string>
  readonly kv: ReadonlySet<string>
  /** Problems with the money: totals or balances that the transfer log does not explain. */
  readonly moneyProblems: readonly string[]
}

/**
 * Reads the truth behind the emulator, on the backend's own connection (no fault, no emulator
 * session): rows of the operations whose ids start with `prefix`, and the money invariant over
 * every transfer ever made.
 */
export async function readTruth(tables: ChaosTables, prefix: string): Promise<DatabaseTruth> {
  const client = new pg.Client({ connectionString: backendUrl(), application_name: 'chaos-truth' })
  await client.connect()
  try {
    const like = `${prefix}%`
    const ledger = await client.query<{ op_id: string; n: number }>(
      `SELECT op_id, count(*)::int AS n FROM ${tables.ledger} WHERE op_id LIKE $1 GROUP BY op_id`,
      [like],
    )
    const transfers = await client.query<{ op_id: string }>(
      `SELECT op_id FROM ${tables.transfers} WHERE op_id LIKE $1`,
      [like],
    )
    const kv = await client.query<{ k: string }>(`SELECT k FROM ${tables.kv} WHERE k LIKE $1`, [like])
    const balances = await client.query<{ id: number; balance: string; expected: string }>(
      `SELECT a.id, a.balance::text AS balance,
              (${OPENING_BALANCE} + coalesce((SELECT sum(amount) FROM ${tables.transfers} WHERE to_id = a.id), 0)
                                  - coalesce((SELECT sum(amount) FROM ${tables.transfers} WHERE from_id = a.id), 0))::text AS expected
         FROM ${tables.accounts} a ORDER BY a.id`,
    )
    const moneyProblems: string[] = []
    const total = balances.rows.reduce((sum, row) => sum + BigInt(row.balance), 0n)
    if (total !== BigInt(ACCOUNTS * OPENING_BALANCE)) {
      moneyProblems.push(`the balances total ${total}, not ${ACCOUNTS * OPENING_BALANCE}`)
    }
    for (const row of balances.rows) {
      if (row.balance !== row.expected) {
        moneyProblems.push(`account ${row.id} holds ${row.balance}, but its transfers say ${row.expected}`)
      }
    }
    return {
      ledger: new Map(ledger.rows.map((row) => [row.op_id, row.n])),
      transfers: new Set(transfers.rows.map((row) => row.op_id)),
      kv: new Set(kv.rows.map((row) => row.k)),
      moneyProblems,
    }
  } finally {
    await client.end()
  }
}

/** Backend sessions still open for `applicationName` (the emulator passes it through). */
export async function backendSessions(applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: backendUrl(), application_name: 'chaos-truth' })
  await client.connect()
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    )
    return rows[0]?.n ?? 0
  } finally {
    await client.end()
  }
}
