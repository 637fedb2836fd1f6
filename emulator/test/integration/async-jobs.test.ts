import pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient } from '../support/dsql-client.js'
import { backendUrl, startTestEmulator } from '../support/emulator.js'

// DSQL's asynchronous DDL as the migrate package uses it (issue 13): FOREIGN KEY / CHECK added
// NOT VALID, validated by ALTER TABLE ASYNC, waited for with sys.wait_for_job; unique indexes
// built ASYNC. Sources: User Guide "ALTER TABLE" (VALIDATE CONSTRAINT: the job fails and the
// constraint stays NOT VALID when rows violate it) and "Asynchronous indexes" (sys.jobs, its
// statuses, "Found duplicate key while validating index for UCVs"; sys.wait_for_job returns a
// Boolean for success or failure).

const T = `jobs_${process.pid}`
const JOB_ID = /^[a-z2-7]{26}$/
const DUPLICATES = 'Found duplicate key while validating index for UCVs'

describe('asynchronous DDL jobs', () => {
  let emu: Emulator
  let client: pg.Client
  let other: pg.Client

  const job = async (jobId: string) =>
    (
      await client.query(
        'SELECT status, details, job_type, class_id::int AS class_id, object_name FROM sys.jobs WHERE job_id = $1',
        [jobId],
      )
    ).rows
  const wait = async (jobId: string) => (await client.query(`CALL sys.wait_for_job('${jobId}')`)).rows
  const convalidated = async (name: string) =>
    (await client.query('SELECT convalidated FROM pg_constraint WHERE conname = $1', [name])).rows

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'] })
    client = await connectClient(emu)
    other = await connectClient(emu)
  })

  beforeEach(async () => {
    // A DDL committed by the other session fails this one's next statement once (OC001).
    await client.query('SELECT 1').catch(() => undefined)
    for (const sql of [
      `DROP TABLE IF EXISTS ${T}_child`,
      `DROP TABLE IF EXISTS ${T}_parent`,
      `CREATE TABLE ${T}_parent (id int PRIMARY KEY)`,
      `CREATE TABLE ${T}_child (id int PRIMARY KEY, parent_id int, qty int, email text)`,
      `INSERT INTO ${T}_parent VALUES (1), (2)`,
      `INSERT INTO ${T}_child VALUES (1, 1, 5, 'a@x'), (2, 2, 7, 'b@x')`,
    ]) {
      await client.query(sql)
    }
  })

  afterAll(async () => {
    await client?.query(`DROP TABLE IF EXISTS ${T}_child`)
    await client?.query(`DROP TABLE IF EXISTS ${T}_parent`)
    await Promise.all([client?.end(), other?.end()])
    await emu?.stop()
  })

  it('validates a FOREIGN KEY added NOT VALID: a job_id row, a completed job, succeeded', async () => {
    await client.query(
      `ALTER TABLE ${T}_child ADD CONSTRAINT ${T}_fk FOREIGN KEY (parent_id) REFERENCES ${T}_parent (id) NOT VALID`,
    )
    expect(await convalidated(`${T}_fk`)).toEqual([{ convalidated: false }])
    const validated = await client.query(`ALTER TABLE ASYNC ${T}_child VALIDATE CONSTRAINT ${T}_fk`)
    expect(validated.command).toBe('ALTER')
    expect(validated.fields.map((f) => f.name)).toEqual(['job_id'])
    const jobId = validated.rows[0].job_id as string
    expect(jobId).toMatch(JOB_ID)
    expect(await wait(jobId)).toEqual([{ succeeded: true }])
    // As the migrate package calls it: the id as a bound parameter.
    expect((await client.query('CALL sys.wait_for_job($1)', [jobId])).rows).toEqual([{ succeeded: true }])
    expect(await job(jobId)).toEqual([
      {
        status: 'completed',
        details: null,
        job_type: 'VALIDATE_CONSTRAINT',
        class_id: 1259,
        object_name: `public.${T}_child`,
      },
    ])
    expect(await convalidated(`${T}_fk`)).toEqual([{ convalidated: true }])
  })

  it('fails the job, not the statement, when rows violate the FOREIGN KEY; the constraint stays NOT VALID and enforced', async () => {
    await client.query(`INSERT INTO ${T}_child VALUES (3, 99, 1, 'c@x')`)
    await client.query(
      `ALTER TABLE ${T}_child ADD CONSTRAINT ${T}_fk FOREIGN KEY (parent_id) REFERENCES ${T}_parent (id) NOT VALID`,
    )
    const { rows } = await client.query(`ALTER TABLE ASYNC ${T}_child VALIDATE CONSTRAINT ${T}_fk`)
    const jobId = rows[0].job_id as string
    expect(await wait(jobId)).toEqual([{ succeeded: false }])
    expect(await job(jobId)).toMatchObject([
      {
        status: 'failed',
        details: `insert or update on table "${T}_child" violates foreign key constraint "${T}_fk"`,
        job_type: 'VALIDATE_CONSTRAINT',
      },
    ])
    expect(await convalidated(`${T}_fk`)).toEqual([{ convalidated: false }])
    await expect(client.query(`INSERT INTO ${T}_child VALUES (4, 98, 1, 'd@x')`)).rejects.toMatchObject({
      code: '23503',
    })
  })

  it('fails the job of a CHECK validation over violating rows, over the extended protocol too', async () => {
    await client.query(`ALTER TABLE ${T}_child ADD CONSTRAINT ${T}_ck CHECK (qty > 6) NOT VALID`)
    const validated = await client.query({
      text: `ALTER TABLE ASYNC ${T}_child VALIDATE CONSTRAINT ${T}_ck`,
      queryMode: 'extended',
    } as pg.QueryConfig)
    expect(validated.fields.map((f) => f.name)).toEqual(['job_id'])
    const jobId = validated.rows[0].job_id as string
    expect(await job(jobId)).toMatchObject([
      {
        status: 'failed',
        details: `check constraint "${T}_ck" of relation "${T}_child" is violated by some row`,
      },
    ])
    expect(await wait(jobId)).toEqual([{ succeeded: false }])
    await client.query(`DELETE FROM ${T}_child WHERE qty <= 6`)
    const again = await client.query(`ALTER TABLE ASYNC ${T}_child VALIDATE CONSTRAINT ${T}_ck`)
    expect(await wait(again.rows[0].job_id)).toEqual([{ succeeded: true }])
    expect(await convalidated(`${T}_ck`)).toEqual([{ convalidated: true }])
  })

  it("builds a unique index ASYNC, and fails its job with DSQL's text over duplicate keys", async () => {
    const built = await client.query(
      `CREATE UNIQUE INDEX ASYNC IF NOT EXISTS ${T}_email ON ${T}_child (email)`,
    )
    expect(await wait(built.rows[0].job_id)).toEqual([{ succeeded: true }])
    expect(await job(built.rows[0].job_id)).toMatchObject([
      { status: 'completed', job_type: 'INDEX_BUILD', object_name: `public.${T}_email` },
    ])
    await client.query(`UPDATE ${T}_child SET qty = 5`)
    const failed = await client.query(`CREATE UNIQUE INDEX ASYNC ${T}_qty ON ${T}_child (qty)`)
    expect(failed.command).toBe('CREATE')
    expect(await job(failed.rows[0].job_id)).toEqual([
      {
        status: 'failed',
        details: DUPLICATES,
        job_type: 'INDEX_BUILD',
        class_id: 1259,
        object_name: `public.${T}_qty`,
      },
    ])
    expect(await wait(failed.rows[0].job_id)).toEqual([{ succeeded: false }])
  })

  it('forgets a job whose transaction rolls back', async () => {
    await client.query(`ALTER TABLE ${T}_child ADD CONSTRAINT ${T}_ck CHECK (qty > 0) NOT VALID`)
    await client.query('BEGIN')
    const { rows } = await client.query(`ALTER TABLE ASYNC ${T}_child VALIDATE CONSTRAINT ${T}_ck`)
    await client.query('ROLLBACK')
    expect(await job(rows[0].job_id)).toEqual([])
    expect(await convalidated(`${T}_ck`)).toEqual([{ convalidated: false }])
  })

  it('answers a job_id row from CREATE INDEX ASYNC inside a multi-statement query', async () => {
    const results = (await client.query(
      `BEGIN; CREATE INDEX ASYNC ${T}_qty_i ON ${T}_child (qty); COMMIT`,
    )) as unknown as pg.QueryResult[]
    expect(results.map((r) => r.command)).toEqual(['BEGIN', 'CREATE', 'COMMIT'])
    expect(await wait(results[1]!.rows[0].job_id)).toEqual([{ succeeded: true }])
  })

  it('sees a job that another session commits while sys.wait_for_job waits for it', async () => {
    // The other session saw the catalog before beforeEach's DDL: its first read fails with OC001.
    await other.query(`SELECT 1 FROM ${T}_child`).catch(() => undefined)
    await other.query('BEGIN')
    const { rows } = await other.query(`CREATE INDEX ASYNC ${T}_later ON ${T}_child (qty)`)
    const jobId = rows[0].job_id as string
    const waited = client.query(`CALL sys.wait_for_job('${jobId}')`)
    const backend = new pg.Client({ connectionString: backendUrl() })
    await backend.connect()
    try {
      // Commit once the wait is under way: the job is unknown to it until then.
      for (;;) {
        const seen = await backend.query(
          "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'CALL sys.wait_for_job%' AND query LIKE $1 AND wait_event = 'PgSleep'",
          [`%${jobId}%`],
        )
        if (seen.rowCount === 1) break
      }
    } finally {
      await backend.end()
    }
    await other.query('COMMIT')
    expect((await waited).rows).toEqual([{ succeeded: true }])
  })

  it('shows sys.jobs with the columns DSQL documents', async () => {
    const { fields } = await client.query('SELECT * FROM sys.jobs LIMIT 0')
    expect(fields.map((f) => f.name)).toEqual([
      'job_id',
      'status',
      'details',
      'job_type',
      'class_id',
      'object_id',
      'object_name',
      'start_time',
      'update_time',
    ])
  })
})

describe('sys.wait_for_job on an unknown job', () => {
  it('waits, as DSQL has no existence check, until the transaction age limit ends the call', async () => {
    const emu = await startTestEmulator({ regions: ['us-east-1'], maxTransactionAgeSec: 1 })
    const client = await connectClient(emu)
    try {
      await expect(client.query("CALL sys.wait_for_job('aaaaaaaaaaaaaaaaaaaaaaaaaa')")).rejects.toMatchObject(
        {
          code: '54000',
          message: 'transaction age limit of 1s exceeded',
        },
      )
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    } finally {
      await client.end()
      await emu.stop()
    }
  })
})
