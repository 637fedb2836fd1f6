import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

const T = `occ_stress_${process.pid}`
const WORKERS = 16
const COUNTERS = 4
const RUN_MS = 3000

describe('emulator OCC under load', () => {
  let emu: Emulator

  beforeAll(async () => {
    emu = await startTestEmulator()
  })

  afterAll(async () => {
    await emu?.stop()
  })

  it('never loses an update: 16 workers on 4 hot counters, retrying conflicts', async () => {
    const admin = await connectClient(emu)
    await admin.query(`DROP TABLE IF EXISTS ${T}`)
    await admin.query(`CREATE TABLE ${T} (id int PRIMARY KEY, n int NOT NULL)`)
    await admin.query(`INSERT INTO ${T} SELECT i, 0 FROM generate_series(0, ${COUNTERS - 1}) i`)
    const clients: pg.Client[] = []
    for (let i = 0; i < WORKERS; i++) {
      clients.push(await connectClient(emu, { region: emu.regions[i % emu.regions.length] }))
    }
    const commits = new Array<number>(COUNTERS).fill(0)
    const conflicts = { count: 0 }
    const deadline = Date.now() + RUN_MS

    const worker = async (client: pg.Client, index: number) => {
      for (let round = 0; Date.now() < deadline; round++) {
        const counter = (index + round) % COUNTERS
        for (;;) {
          try {
            await client.query('BEGIN')
            // Read-modify-write in the app: a lost update would show in the sums.
            const { rows } = await client.query(`SELECT n FROM ${T} WHERE id = $1`, [counter])
            await client.query(`UPDATE ${T} SET n = $1 WHERE id = $2`, [rows[0].n + 1, counter])
            await client.query('COMMIT')
            commits[counter]!++
            break
          } catch (error) {
            await client.query('ROLLBACK')
            // Only OCC conflicts (and the one OC001 after the DDL above) may fail a transaction.
            expect((error as { code?: string }).code).toBe('40001')
            conflicts.count++
          }
        }
      }
    }
    await Promise.all(clients.map(worker))
    const { rows } = await admin.query(`SELECT id, n FROM ${T} ORDER BY id`)
    expect(rows.map((row) => row.n)).toEqual(commits)
    expect(commits.reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0)
    expect(conflicts.count).toBeGreaterThan(0)
    await Promise.all([...clients, admin].map((client) => client.end()))
  })
})
