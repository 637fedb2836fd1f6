import type { Emulator, RegionStats } from 'pg-dsql-emulator'
import { expect } from 'vitest'
import { DsqlAuthError, DsqlPool, type DsqlPoolConfig } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'

/** The emulator's counts the metrics are checked against: what changed during the workload. */
export interface GroundTruth {
  readonly connectionsOpened: number
  readonly occConflicts: number
  readonly committed: number
  readonly authFailures: number
}

export interface Workload {
  /** The pool that did the work, and the one whose credentials DSQL refused. */
  readonly pool: DsqlPool
  readonly refused: DsqlPool
  readonly truth: GroundTruth
}

/**
 * One scripted run with injected faults: write transactions with three injected conflicts at
 * COMMIT, six concurrent transactions on one hot row (real conflicts), and a pool whose secret
 * key is wrong (refused twice: the token, then a fresh one). Both pools are built after the
 * table exists and after the emulator's counts are read, so their stats and the emulator's
 * changes cover exactly the same work. `instrument` attaches adapters before anything runs.
 */
export async function runScriptedWorkload(
  emulator: Emulator,
  table: string,
  instrument: (pool: DsqlPool, name: 'pool' | 'refused') => void,
  extra: DsqlPoolConfig = {},
): Promise<Workload> {
  const setup = new DsqlPool(optionsFor(emulator))
  await setup.query(`CREATE TABLE IF NOT EXISTS ${table} (id int PRIMARY KEY, qty int NOT NULL)`)
  await setup.query(`INSERT INTO ${table} VALUES (0, 1000) ON CONFLICT (id) DO UPDATE SET qty = 1000`)
  await setup.end()
  const before = emulator.stats().cluster
  const pool = new DsqlPool(optionsFor(emulator, { max: 4, ...extra }))
  const refused = new DsqlPool({
    ...optionsFor(emulator, extra),
    credentials: { accessKeyId: emulator.credentials.accessKeyId, secretAccessKey: 'not-the-secret-key' },
  })
  instrument(pool, 'pool')
  instrument(refused, 'refused')

  emulator.inject({ kind: 'occ', count: 3 })
  for (let id = 1; id <= 8; id++) {
    await pool.transaction((client) => client.query(`INSERT INTO ${table} VALUES ($1, 1)`, [id]))
  }
  await Promise.all(
    Array.from({ length: 6 }, () =>
      pool.transaction(async (client) => {
        const { rows } = await client.query(`SELECT qty FROM ${table} WHERE id = 0`)
        await client.query(`UPDATE ${table} SET qty = $1 WHERE id = 0`, [rows[0].qty - 1])
      }),
    ),
  )
  await expect(refused.query('SELECT 1')).rejects.toBeInstanceOf(DsqlAuthError)

  const after = emulator.stats().cluster
  const delta = (pick: (stats: RegionStats) => number) => pick(after) - pick(before)
  const authFailures = delta((s) => s.AuthFailures)
  const occConflicts = delta((s) => s.OccConflicts)
  return {
    pool,
    refused,
    truth: {
      connectionsOpened: delta((s) => s.CallCount.DbConnect + s.CallCount.DbConnectAdmin) - authFailures,
      occConflicts,
      // Every transaction the workload ran either committed or lost a conflict (rolled back).
      committed: delta((s) => s.TotalTransactions) - occConflicts,
      authFailures,
    },
  }
}
