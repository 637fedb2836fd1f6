import type pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

const OC001 = { code: '40001', message: 'schema has been updated by another transaction (OC001)' }
const T = `schema_${process.pid}`

describe('emulator catalog versions (OC001)', () => {
  let emu: Emulator
  let ddl: pg.Client
  let app: pg.Client
  let n = 0

  /** A DDL statement committed by the other session. */
  async function changeSchema(): Promise<void> {
    n++
    await ddl.query(`CREATE TABLE ${T}_${n} (id int PRIMARY KEY)`)
  }

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'] })
    ddl = await connectClient(emu)
    app = await connectClient(emu)
    await ddl.query(`CREATE TABLE IF NOT EXISTS ${T} (id int PRIMARY KEY, v int)`)
    await app.query('SELECT 1').catch(() => undefined)
  })

  afterEach(async () => {
    await app.query('ROLLBACK')
  })

  afterAll(async () => {
    for (let i = 1; i <= n; i++) await ddl.query(`DROP TABLE IF EXISTS ${T}_${i}`)
    await ddl?.query(`DROP TABLE IF EXISTS ${T}`)
    await Promise.all([ddl?.end(), app?.end()])
    await emu?.stop()
  })

  it('fails the next statement of another session once, reads included, and the retry succeeds', async () => {
    await changeSchema()
    await expect(app.query(`SELECT * FROM ${T}`)).rejects.toMatchObject(OC001)
    expect((await app.query(`SELECT count(*)::int AS n FROM ${T}`)).rows).toEqual([{ n: 0 }])
  })

  it('never fails the session that made the change', async () => {
    await changeSchema()
    expect((await ddl.query(`SELECT count(*)::int AS n FROM ${T}`)).rows).toEqual([{ n: 0 }])
    await app.query('SELECT 1').catch(() => undefined)
  })

  it('counts GRANT and REVOKE as catalog changes', async () => {
    await ddl.query(`GRANT SELECT ON ${T} TO PUBLIC`)
    await expect(app.query(`SELECT * FROM ${T}`)).rejects.toMatchObject(OC001)
    await ddl.query(`REVOKE SELECT ON ${T} FROM PUBLIC`)
    await expect(app.query(`INSERT INTO ${T} VALUES ($1, 1)`, [1])).rejects.toMatchObject(OC001)
    expect((await app.query(`INSERT INTO ${T} VALUES ($1, 1)`, [1])).rowCount).toBe(1)
  })

  it('lets BEGIN through and fails the first statement that touches storage, READ ONLY included', async () => {
    await changeSchema()
    await app.query('BEGIN READ ONLY')
    await expect(app.query(`SELECT * FROM ${T}`)).rejects.toMatchObject(OC001)
    expect((await app.query('COMMIT')).command).toBe('ROLLBACK')
    await app.query('BEGIN READ ONLY')
    await app.query(`SELECT * FROM ${T}`)
    expect((await app.query('COMMIT')).command).toBe('COMMIT')
  })

  it('fails COMMIT when the change lands mid-transaction, and the session is idle and fresh after', async () => {
    await app.query('BEGIN')
    await app.query(`UPDATE ${T} SET v = v + 1`)
    await changeSchema()
    expect((await app.query(`SELECT count(*)::int AS n FROM ${T}`)).rows).toHaveLength(1)
    await expect(app.query('COMMIT')).rejects.toMatchObject(OC001)
    await app.query('BEGIN')
    await app.query(`UPDATE ${T} SET v = v + 1`)
    expect((await app.query('COMMIT')).command).toBe('COMMIT')
  })

  it('bumps the version only when the DDL commits', async () => {
    await ddl.query('BEGIN')
    await ddl.query(`CREATE TABLE ${T}_rolled_back (id int)`)
    await ddl.query('ROLLBACK')
    expect((await app.query(`SELECT count(*)::int AS n FROM ${T}`)).rows).toHaveLength(1)
    n++
    await ddl.query('BEGIN')
    await ddl.query(`CREATE TABLE ${T}_${n} (id int)`)
    expect((await app.query(`SELECT count(*)::int AS n FROM ${T}`)).rows).toHaveLength(1)
    await ddl.query('COMMIT')
    await expect(app.query(`SELECT * FROM ${T}`)).rejects.toMatchObject(OC001)
  })

  it('runs CREATE INDEX ASYNC: a job_id row, the job in sys.jobs, sys.wait_for_job, and OC001 elsewhere', async () => {
    const created = await ddl.query(`CREATE INDEX ASYNC ${T}_v ON ${T} (v)`)
    expect(created.command).toBe('CREATE')
    expect(created.rows).toHaveLength(1)
    const jobId = created.rows[0].job_id as string
    expect(jobId).toMatch(/^[a-z2-7]{26}$/)
    await expect(app.query('SELECT * FROM sys.jobs WHERE job_id = $1', [jobId])).rejects.toMatchObject(OC001)
    const { rows } = await app.query('SELECT status, job_type, object_name FROM sys.jobs WHERE job_id = $1', [
      jobId,
    ])
    expect(rows).toEqual([{ status: 'completed', job_type: 'INDEX_BUILD', object_name: `public.${T}_v` }])
    const waited = await app.query(`CALL sys.wait_for_job('${jobId}')`)
    expect(waited).toMatchObject({ command: 'CALL', rows: [{ succeeded: true }] })
    const index = await app.query('SELECT indexname FROM pg_indexes WHERE indexname = $1', [`${T}_v`])
    expect(index.rowCount).toBe(1)
  })

  it('keeps each emulator its own version, though they share one database', async () => {
    const other = await startTestEmulator({ regions: ['us-east-1'] })
    try {
      const client = await connectClient(other)
      await changeSchema()
      expect((await client.query(`SELECT count(*)::int AS n FROM ${T}`)).rows).toHaveLength(1)
      await client.end()
    } finally {
      await other.stop()
      await app.query('SELECT 1').catch(() => undefined)
    }
  })
})
