import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DsqlEvent, DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

type Emulator = Awaited<ReturnType<typeof startTestEmulator>>

/** Real conflicts, adjudicated by the emulator at COMMIT as DSQL does: no injected faults here. */
describe('real contention through the emulator', () => {
  let emulator: Emulator
  const table = `hot_counters_${process.pid}`

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
    const setup = new DsqlPool(optionsFor(emulator))
    await setup.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`)
    await setup.query(`INSERT INTO ${table} SELECT i, 0 FROM generate_series(1, 4) AS i`)
    await setup.end()
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('keeps hot counters exact: the sums equal the successful commits', async () => {
    const events: DsqlEvent[] = []
    const pool = new DsqlPool(optionsFor(emulator, { max: 16, onEvent: (event) => events.push(event) }))
    const committed = new Map<number, number>()
    let gaveUp = 0
    try {
      await Promise.all(
        Array.from({ length: 16 }, async (_, worker) => {
          for (let i = 0; i < 25; i++) {
            const id = 1 + ((worker + i) % 4)
            try {
              await pool.transaction(async (client) => {
                const { rows } = await client.query<{ n: number }>(`SELECT n FROM ${table} WHERE id = $1`, [
                  id,
                ])
                await client.query(`UPDATE ${table} SET n = $1 WHERE id = $2`, [(rows[0]?.n ?? 0) + 1, id])
              })
              committed.set(id, (committed.get(id) ?? 0) + 1)
            } catch {
              gaveUp++
            }
          }
        }),
      )
      const { rows } = await pool.query<{ id: number; n: number }>(`SELECT id, n FROM ${table} ORDER BY id`)
      expect(rows).toEqual([1, 2, 3, 4].map((id) => ({ id, n: committed.get(id) ?? 0 })))
      const conflicts = events.filter((event) => event.type === 'occ.conflict').length
      console.log(
        `contention: 400 transactions, ${400 - gaveUp} committed, ${gaveUp} gave up, ${conflicts} conflicts retried`,
      )
      expect(conflicts).toBeGreaterThan(0)
      expect(emulator.stats().cluster.OccConflicts).toBeGreaterThanOrEqual(conflicts)
      expect(400 - gaveUp).toBeGreaterThan(300)
    } finally {
      await pool.end()
    }
  })

  it('retries OC001 after a DDL elsewhere, once', async () => {
    const events: DsqlEvent[] = []
    const pool = new DsqlPool(optionsFor(emulator, { max: 1, onEvent: (event) => events.push(event) }))
    const other = new DsqlPool(optionsFor(emulator, { max: 1 }))
    try {
      await pool.query(`SELECT n FROM ${table} WHERE id = 1`)
      await other.query(`CREATE TABLE ${table}_ddl (id int PRIMARY KEY)`)
      let runs = 0
      await pool.transaction(async (client) => {
        runs++
        await client.query(`SELECT n FROM ${table} WHERE id = 1`)
      })
      expect(runs).toBe(2)
      expect(events.filter((event) => event.type === 'occ.conflict')).toEqual([
        { type: 'occ.conflict', kind: 'schema', attempt: 1, scope: 'transaction' },
      ])
    } finally {
      await pool.end()
      await other.end()
    }
  })
})
