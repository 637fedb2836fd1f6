import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApplyEvent, apply } from '../../../src/index.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'
import { journalLines, run, schemaSnapshot } from './support/catalog-snapshot.js'
import { bundleApplyChild, runApplyChild } from './support/run-child.js'
import { SAMPLE_MIGRATIONS } from './support/sample-migrations.js'

// Every point a runner can die at: after its intent is recorded and before the statement runs
// (started), after the statement committed and before it is recorded (committed), while its
// async job is waited for (job.waiting), and after it is recorded (applied).
const KILL_TYPES = ['statement.started', 'statement.committed', 'job.waiting', 'statement.applied'] as const

interface Reference {
  readonly schema: unknown
  readonly journal: unknown
  readonly users: unknown
  readonly events: readonly ApplyEvent[]
}

const statementOf = (event: ApplyEvent) => ('statement' in event ? event.statement : undefined)

describe('apply killed at each statement in turn, then run again', () => {
  let reference: Reference
  let bundle: string
  const open: MigrateTestDsql[] = []
  const start = async () => {
    const dsql = await startMigrateTestDsql()
    open.push(dsql)
    return dsql
  }

  beforeAll(async () => {
    bundle = await bundleApplyChild()
    const dsql = await start()
    const pool = dsql.pool()
    const events: ApplyEvent[] = []
    await apply({ pool, migrations: SAMPLE_MIGRATIONS, onEvent: (e) => events.push(e) })
    reference = {
      schema: await schemaSnapshot(pool),
      journal: (await journalLines(pool)).map(({ state: _state, ...line }) => line),
      users: await run(pool, 'SELECT id, email, state FROM users ORDER BY id'),
      events,
    }
  })
  afterAll(async () => {
    await Promise.all(open.map((dsql) => dsql.stop()))
  })

  // A kill right after a statement is recorded leaves what a kill right before the next one's
  // intent leaves, less its `started` row: that point is taken for the first statement and for
  // the last of each migration (where the next run starts a migration), not for every statement.
  const points = () =>
    KILL_TYPES.flatMap((type) => {
      const events = reference.events.filter((e) => e.type === type)
      return events.flatMap((event, at) =>
        type !== 'statement.applied' || at === 0 || endsMigration(event) ? [{ type, nth: at + 1 }] : [],
      )
    })
  const endsMigration = (event: ApplyEvent) => {
    const next = reference.events[reference.events.indexOf(event) + 1]
    return next === undefined || next.type === 'migration.applied'
  }

  it("ends in the clean run's schema, journal and rows from every kill point", async () => {
    const killPoints = points()
    expect(killPoints.length).toBe(13 + 13 + 4 + 3)
    const failures: string[] = []
    // Two at a time: each on a database and emulator of its own.
    const queue = [...killPoints]
    const worker = async () => {
      for (let point = queue.shift(); point !== undefined; point = queue.shift()) {
        const failure = await killAndResume(point).catch(
          (error: unknown) => `${point.type} #${point.nth}: ${String(error)}`,
        )
        if (failure !== undefined) failures.push(failure)
      }
    }
    await Promise.all([worker(), worker()])
    expect(failures).toEqual([])
  }, 600_000)

  async function killAndResume(point: { type: string; nth: number }): Promise<string | undefined> {
    const label = `${point.type} #${point.nth}`
    const dsql = await start()
    try {
      const holderId = `crash-${point.type}-${point.nth}`
      const child = await runApplyChild(bundle, dsql.emulator, { killAt: point, holderId })
      if (child.signal !== 'SIGKILL')
        return `${label}: the child was not killed (${child.code}): ${child.stderr.slice(-2000)}`
      const pool = dsql.pool()
      const events: ApplyEvent[] = []
      // The restarted runner has the dead one's name, so it takes its lock back at once.
      await apply({ pool, migrations: SAMPLE_MIGRATIONS, lock: { holderId }, onEvent: (e) => events.push(e) })
      const schema = await schemaSnapshot(pool)
      const lines = await journalLines(pool)
      const users = await run(pool, 'SELECT id, email, state FROM users ORDER BY id')
      const problems: string[] = []
      if (JSON.stringify(schema) !== JSON.stringify(reference.schema)) problems.push('schema differs')
      if (JSON.stringify(lines.map(({ state: _s, ...l }) => l)) !== JSON.stringify(reference.journal))
        problems.push('journal differs')
      if (lines.some((line) => line.state !== 'applied' && line.state !== 'recovered'))
        problems.push('journal has unfinished rows')
      if (JSON.stringify(users) !== JSON.stringify(reference.users))
        problems.push(`rows differ: ${JSON.stringify(users)}`)
      // Killed between commit and record, the statement must be found in the catalog, not run again.
      const killed = reference.events.filter((e) => e.type === point.type)[point.nth - 1]
      const killedStatement = killed === undefined ? undefined : statementOf(killed)
      const recovered = events.filter((e) => e.type === 'statement.recovered').map(statementOf)
      const committedDdl = point.type === 'statement.committed' || point.type === 'job.waiting'
      const isDml = reference.events.some(
        (e) =>
          e.type === 'statement.started' &&
          e.kind === 'dml' &&
          JSON.stringify(e.statement) === JSON.stringify(killedStatement),
      )
      if (
        committedDdl &&
        !isDml &&
        !recovered.some((s) => JSON.stringify(s) === JSON.stringify(killedStatement))
      ) {
        problems.push('the statement killed after its commit was not recovered from the catalog')
      }
      return problems.length === 0 ? undefined : `${label}: ${problems.join('; ')}`
    } finally {
      await dsql.stop()
      open.splice(open.indexOf(dsql), 1)
    }
  }
})
