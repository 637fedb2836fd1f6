import type { Emulator } from 'pg-dsql-emulator'
import promClient, { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instrumentPool } from '../../../src/adapters/prometheus.js'
import { DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'
import { parseScrape } from './metric-readers.js'
import { runScriptedWorkload, type Workload } from './scripted-workload.js'

describe('pg-dsql/prometheus', () => {
  let emulator: Emulator
  let workload: Workload
  const registry = new Registry()
  let scrape: ReturnType<typeof parseScrape>

  beforeAll(async () => {
    emulator = await startTestEmulator({ regions: ['us-east-1'] })
    workload = await runScriptedWorkload(emulator, 'obs_prom_items', (pool, name) => {
      instrumentPool(pool, { registry, poolName: name })
    })
    scrape = parseScrape(await registry.metrics())
  })

  afterAll(async () => {
    await Promise.allSettled([workload?.pool.end(), workload?.refused.end()])
    await emulator?.stop()
  })

  const sumOf = (name: string, where: Record<string, string> = {}) =>
    scrape.samples
      .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
      .reduce((total, s) => total + s.value, 0)

  it("matches the emulator's counts after the scripted workload with faults", () => {
    expect({
      connectionsOpened: sumOf('pg_dsql_connections_opened_total'),
      occConflicts: sumOf('pg_dsql_occ_conflicts_total', { kind: 'data' }),
      committed: sumOf('pg_dsql_transactions_total', { outcome: 'committed' }),
      authFailures: sumOf('pg_dsql_auth_failures_total'),
    }).toEqual(workload.truth)
  })

  it('follows Prometheus naming: one prefix, _total counters, base units, a pool label on every series', () => {
    for (const [name, type] of scrape.types) {
      expect(name).toMatch(/^pg_dsql_[a-z_]+$/)
      if (type === 'counter') expect(name).toMatch(/_total$/)
      else expect(name).not.toMatch(/_total$/)
      expect(name).not.toMatch(/_(ms|milliseconds)$/)
    }
    for (const sample of scrape.samples)
      expect(['pool', 'refused'], sample.name).toContain(sample.labels.pool)
    expect(scrape.types.get('pg_dsql_checkout_wait_seconds')).toBe('histogram')
    expect(scrape.types.get('pg_dsql_pool_connections')).toBe('gauge')
  })

  it('exposes histograms as cumulative buckets in seconds that agree with pool.stats()', () => {
    const stats = workload.pool.stats()
    const buckets = scrape.samples.filter(
      (s) => s.name === 'pg_dsql_checkout_wait_seconds_bucket' && s.labels.pool === 'pool',
    )
    expect(buckets.at(-1)?.labels.le).toBe('+Inf')
    expect(buckets.at(-1)?.value).toBe(stats.histograms.checkoutWaitSec.count)
    const values = buckets.map((b) => b.value)
    expect(values).toEqual([...values].sort((a, b) => a - b))
    expect(sumOf('pg_dsql_transaction_attempts_sum', { pool: 'pool' })).toBe(
      stats.histograms.transactionAttempts.sum,
    )
    expect(sumOf('pg_dsql_pool_connections', { pool: 'pool' })).toBe(stats.endpoints[0]?.openConnections)
    expect(
      scrape.samples.find((s) => s.name === 'pg_dsql_endpoint_up' && s.labels.pool === 'pool')?.labels,
    ).toEqual({ pool: 'pool', endpoint: emulator.endpoints[0]?.host, region: 'us-east-1' })
  })

  it('puts several pools on one registry under their own names, and takes each off again', async () => {
    const shared = new Registry()
    const a = new DsqlPool(optionsFor(emulator))
    const b = new DsqlPool(optionsFor(emulator))
    try {
      const first = instrumentPool(a, { registry: shared })
      const second = instrumentPool(b, { registry: shared })
      const host = emulator.endpoints[0]?.host
      expect([first.poolName, second.poolName]).toEqual([
        `${host}:${emulator.endpoints[0]?.port}/postgres`,
        `${first.poolName}#2`,
      ])
      await a.query('SELECT 1')
      const pools = new Set(parseScrape(await shared.metrics()).samples.map((s) => s.labels.pool))
      expect(pools).toEqual(new Set([first.poolName, second.poolName]))
      first.stop()
      expect(new Set(parseScrape(await shared.metrics()).samples.map((s) => s.labels.pool))).toEqual(
        new Set([second.poolName]),
      )
      second.stop()
      expect(shared.getMetricsAsArray()).toEqual([])
    } finally {
      await Promise.all([a.end(), b.end()])
    }
  })

  it("registers on prom-client's default registry when given none", async () => {
    const pool = new DsqlPool(optionsFor(emulator))
    try {
      const instrumentation = instrumentPool(pool, { prefix: 'dsql_default_' })
      expect(await promClient.register.metrics()).toContain('dsql_default_connections_opened_total{pool=')
      instrumentation.stop()
      expect(await promClient.register.metrics()).not.toContain('dsql_default_')
    } finally {
      await pool.end()
    }
  })
})
