import promClient, { type Registry } from 'prom-client'
import type { ObservedPool } from '../observability/index.js'
import { defaultPoolName, observedPool, uniqueName } from './observed-pool.js'
import { FAMILIES, type LabelledStats } from './prometheus-metrics.js'

/** Options of `instrumentPool()` from `pg-dsql/prometheus`. */
export interface PrometheusOptions {
  /** The registry to register on. @default prom-client's default `register` */
  readonly registry?: Registry
  /** Put before every metric name. @default `pg_dsql_` */
  readonly prefix?: string
  /**
   * The `pool` label. @default `host:port/database` of the pool's first endpoint, with `#2`,
   * `#3`… added when another pool on the registry has it
   */
  readonly poolName?: string
}

/** What `instrumentPool()` returns: `stop()` takes the pool off the registry. */
export interface PoolInstrumentation {
  readonly poolName: string
  stop(): void
}

/** The pools one registry reports, keyed by prefix; found through a symbol so ESM and CJS copies share it. */
const REGISTERED = Symbol.for('pg-dsql.prometheus.pools')
type RegistryPools = Map<string, Map<string, ObservedPool>>

/**
 * Reports a DsqlPool on a prom-client registry: counters (`_total`), gauges and histograms in
 * base units (seconds), every series labelled `pool`, so several pools share one registry.
 * The collectors read `pool.stats()` when the registry is scraped (once per pool per scrape)
 * and add no work to the query path.
 */
export function instrumentPool(pool: ObservedPool, options: PrometheusOptions = {}): PoolInstrumentation {
  const observed = observedPool(pool, 'prometheus')
  const registry = options.registry ?? promClient.register
  const prefix = options.prefix ?? 'pg_dsql_'
  const byPrefix = registryPools(registry)
  let pools = byPrefix.get(prefix)
  if (pools === undefined) {
    pools = new Map()
    byPrefix.set(prefix, pools)
    registerFamilies(registry, prefix, pools)
  }
  const poolName = options.poolName ?? uniqueName(defaultPoolName(observed.stats()), new Set(pools.keys()))
  if (pools.has(poolName)) {
    throw new TypeError(
      `pg-dsql/prometheus: a pool named "${poolName}" is already on this registry; give each pool its own poolName.`,
    )
  }
  pools.set(poolName, observed)
  const own = pools
  let stopped = false
  return {
    poolName,
    stop() {
      if (stopped) return
      stopped = true
      own.delete(poolName)
      if (own.size > 0) return
      byPrefix.delete(prefix)
      for (const family of FAMILIES) registry.removeSingleMetric(prefix + family.name)
    },
  }
}

function registryPools(registry: Registry): RegistryPools {
  const holder = registry as unknown as { [REGISTERED]?: RegistryPools }
  holder[REGISTERED] ??= new Map()
  return holder[REGISTERED]
}

/**
 * One custom metric per family: prom-client calls each `get()` at scrape time. A scrape calls
 * them all in one synchronous run, so the pools' stats are read once and shared until the next
 * microtask.
 */
function registerFamilies(
  registry: Registry,
  prefix: string,
  pools: ReadonlyMap<string, ObservedPool>,
): void {
  let cached: readonly LabelledStats[] | undefined
  const current = (): readonly LabelledStats[] => {
    if (cached === undefined) {
      cached = [...pools].map(([name, pool]) => ({ pool: name, stats: pool.stats() }))
      queueMicrotask(() => {
        cached = undefined
      })
    }
    return cached
  }
  for (const family of FAMILIES) {
    const name = prefix + family.name
    const metric = {
      name,
      help: family.help,
      type: family.type,
      aggregator: 'sum' as const,
      get: () => ({
        name,
        help: family.help,
        type: family.type,
        aggregator: 'sum' as const,
        values: family.values(current(), name),
      }),
    }
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0])
  }
}
