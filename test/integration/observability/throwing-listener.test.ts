import type { Emulator } from 'pg-dsql-emulator'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instrumentPool as emfInstrument } from '../../../src/adapters/emf.js'
import { instrumentPool as otelInstrument } from '../../../src/adapters/otel.js'
import { instrumentPool as promInstrument } from '../../../src/adapters/prometheus.js'
import { DsqlPool, type DsqlPoolStats } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

/** The same faults and statements for each pool; what it answered and counted. */
async function workload(emulator: Emulator, pool: DsqlPool, id: number) {
  emulator.inject({ kind: 'occ', count: 2 })
  const returned = await pool.transaction(async (client) => {
    await client.query('INSERT INTO obs_throwing VALUES ($1)', [id])
    return `order ${id}`
  })
  emulator.inject({ kind: 'occ', count: 1 })
  await pool.query('INSERT INTO obs_throwing VALUES ($1)', [id + 1])
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM obs_throwing WHERE id IN ($1, $2)', [
    id,
    id + 1,
  ])
  return { returned, rows }
}

/** The counts a pool keeps of its own work (token counts come from the shared cache). */
function ownCounts(stats: DsqlPoolStats) {
  const { tokensIssued: _tokens, connectionsOpened: _opened, ...counters } = stats.counters
  return { counters, attempts: stats.histograms.transactionAttempts.counts }
}

describe('a listener or an adapter that throws', () => {
  let emulator: Emulator

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
    const setup = new DsqlPool(optionsFor(emulator))
    await setup.query('CREATE TABLE IF NOT EXISTS obs_throwing (id int PRIMARY KEY)')
    await setup.end()
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  it('changes nothing the pool does, answers or counts', async () => {
    const quiet = new DsqlPool(optionsFor(emulator))
    const loud = new DsqlPool(
      optionsFor(emulator, {
        onEvent: () => {
          throw new Error('listener failed')
        },
      }),
    )
    otelInstrument(loud, { tracerProvider: false })
    promInstrument(loud, { registry: new Registry() })
    emfInstrument(loud, {
      stream: {
        write: () => {
          throw new Error('stream failed')
        },
      },
    })
    loud.observe({
      sample: () => {
        throw new Error('observer failed')
      },
      ended: () => {
        throw new Error('observer failed at the end')
      },
    })
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push((warning as { code?: string }).code ?? '')
    process.on('warning', onWarning)
    try {
      const heard = await workload(emulator, quiet, 10)
      const thrown = await workload(emulator, loud, 20)
      expect(thrown).toEqual({ ...heard, returned: 'order 20' })
      expect(ownCounts(loud.stats())).toEqual(ownCounts(quiet.stats()))
      expect(loud.stats().counters.retries).toEqual({ transaction: 2, autocommit: 1 })
      await Promise.all([quiet.end(), loud.end()])
      // Warnings are emitted on the next tick.
      await new Promise((done) => setImmediate(done))
      expect(warnings).toEqual(expect.arrayContaining(['PG_DSQL_ON_EVENT_THREW', 'PG_DSQL_EMF_WRITE_FAILED']))
    } finally {
      process.off('warning', onWarning)
    }
  })
})
