import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instrumentPool } from '../../../src/adapters/emf.js'
import { emfProblems } from '../../support/emf-schema.js'
import { startTestEmulator } from '../../support/emulator.js'
import { captureLines } from './metric-readers.js'
import { runScriptedWorkload, type Workload } from './scripted-workload.js'

describe('pg-dsql/emf', () => {
  let emulator: Emulator
  let workload: Workload
  const stream = captureLines()

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
    workload = await runScriptedWorkload(emulator, 'obs_emf_items', (pool, name) => {
      instrumentPool(pool, {
        stream,
        namespace: 'pg-dsql-test',
        dimensions: { Service: 'orders' },
        poolName: name,
        flushIntervalMs: 3_600_000,
      })
    })
    // end() writes the last lines.
    await Promise.all([workload.pool.end(), workload.refused.end()])
  })

  afterAll(async () => {
    await emulator?.stop()
  })

  const documents = () => stream.lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  const sumOf = (metric: string) =>
    documents().reduce(
      (total, doc) => total + [doc[metric] ?? []].flat().reduce((a: number, b) => a + Number(b), 0),
      0,
    )

  it("writes lines that satisfy the EMF specification's schema", () => {
    expect(stream.lines.length).toBeGreaterThan(0)
    for (const line of stream.lines) expect(emfProblems(line), line).toEqual([])
  })

  it("matches the emulator's counts after the scripted workload with faults", () => {
    expect({
      connectionsOpened: sumOf('ConnectionsOpened'),
      occConflicts: sumOf('OccConflictsData'),
      committed: sumOf('TransactionsCommitted'),
      authFailures: sumOf('AuthFailures'),
    }).toEqual(workload.truth)
  })

  it('uses the namespace and dimensions given, with the pool and each endpoint as dimensions', () => {
    const host = emulator.endpoints[0]?.host
    const dimensionSets = new Set(
      documents().map((doc) =>
        JSON.stringify(
          (doc._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] })
            .CloudWatchMetrics,
        ),
      ),
    )
    for (const set of dimensionSets) expect(set).toContain('"Namespace":"pg-dsql-test"')
    const endpointLines = documents().filter((doc) => doc.Endpoint !== undefined)
    expect(endpointLines.map((doc) => [doc.Pool, doc.Service, doc.Endpoint, doc.Region]).sort()).toEqual([
      ['pool', 'orders', host, 'us-east-1'],
      ['refused', 'orders', host, 'us-east-1'],
    ])
  })

  it("writes each histogram's observations, which CloudWatch turns into percentiles", () => {
    const poolLines = documents().filter((doc) => doc.Pool === 'pool' && doc.Endpoint === undefined)
    const waits = poolLines.flatMap((doc) => [doc.CheckoutWaitTime ?? []].flat())
    expect(waits).toHaveLength(workload.pool.stats().histograms.checkoutWaitSec.count)
    expect(poolLines.flatMap((doc) => [doc.TransactionAttempts ?? []].flat())).toHaveLength(14)
  })
})
