import type { Emulator } from 'pg-dsql-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DsqlPool, type DsqlPoolStats } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'
import { runScriptedWorkload, type Workload } from './scripted-workload.js'

/** The counts the emulator can vouch for, summed over the pools. */
function measured(...all: DsqlPoolStats[]) {
  const sum = (pick: (stats: DsqlPoolStats) => number) => all.reduce((total, stats) => total + pick(stats), 0)
  return {
    connectionsOpened: sum((s) => s.counters.connectionsOpened),
    occConflicts: sum((s) => s.counters.occConflicts.data),
    committed: sum((s) => s.counters.transactions.committed),
    authFailures: sum((s) => s.counters.authFailures),
  }
}

describe('pool.stats()', () => {
  let emulator: Emulator
  let workload: Workload

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
    workload = await runScriptedWorkload(emulator, 'obs_stats_items', () => {})
  })

  afterAll(async () => {
    await Promise.allSettled([workload?.pool.end(), workload?.refused.end()])
    await emulator?.stop()
  })

  it("counts what the emulator's CloudWatch-named counters saw, with no listener attached", () => {
    const { pool, refused, truth } = workload
    expect(measured(pool.stats(), refused.stats())).toEqual(truth)
    expect(truth.occConflicts).toBeGreaterThanOrEqual(3)
    expect(truth.committed).toBe(14)
    expect(truth.authFailures).toBe(2)
  })

  it('keeps retries, attempts and connection histograms consistent with the counts', () => {
    const stats = workload.pool.stats()
    const { counters, histograms } = stats
    expect(counters.retries.transaction).toBe(counters.occConflicts.data)
    expect(counters.retriesExhausted).toEqual({ transaction: 0, autocommit: 0 })
    expect(counters.transactions).toEqual({ committed: 14, rolledBack: 0, failed: 0, unknown: 0 })
    expect(histograms.transactionAttempts.count).toBe(14)
    // Each transaction's attempts: one plus its retries.
    expect(histograms.transactionAttempts.sum).toBe(14 + counters.retries.transaction)
    expect(histograms.connectSec.count).toBe(counters.connectionsOpened)
    // Every attempt checked a connection out and gave it back.
    expect(histograms.checkoutWaitSec.count).toBe(14 + counters.retries.transaction)
    expect(histograms.useSec.count).toBe(histograms.checkoutWaitSec.count)
    expect(histograms.checkoutWaitSec.counts.reduce((a, b) => a + b, 0)).toBe(
      histograms.checkoutWaitSec.count,
    )
  })

  it('reports the pool and its endpoint as pg-pool and the router see them', () => {
    const stats = workload.pool.stats()
    expect(stats.pool).toEqual({
      total: workload.pool.totalCount,
      idle: workload.pool.idleCount,
      waiting: 0,
      max: 4,
      min: 0,
    })
    expect(stats.database).toBe('postgres')
    expect(stats.endpoints).toEqual([
      expect.objectContaining({
        host: emulator.endpoints[0]?.host,
        region: 'us-east-1',
        healthy: true,
        preferred: true,
        openConnections: workload.pool.totalCount,
        usedConnections: 0,
      }),
    ])
  })

  it('counts shared token issuance from when the pool was built', async () => {
    // A token TTL of its own: a token cache no other test's pool uses.
    const first = new DsqlPool(optionsFor(emulator, { tokenTtlSec: 611 }))
    await first.query('SELECT 1')
    // Same configuration: the second pool shares the first's token cache, which already signed.
    const second = new DsqlPool(optionsFor(emulator, { tokenTtlSec: 611 }))
    await second.query('SELECT 1')
    try {
      expect(first.stats().counters.tokensIssued).toBe(1)
      expect(second.stats().counters.tokensIssued).toBe(0)
    } finally {
      await Promise.all([first.end(), second.end()])
    }
  })

  it('counts a checkout that timed out waiting for a busy pool', async () => {
    const pool = new DsqlPool(optionsFor(emulator, { max: 1, connectionTimeoutMillis: 200 }))
    const held = await pool.connect()
    try {
      await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout exceeded when trying to connect/)
      expect(pool.stats().counters.checkoutTimeouts).toBe(1)
      expect(pool.stats().endpoints[0]?.usedConnections).toBe(1)
    } finally {
      held.release()
      await pool.end()
    }
  })
})
