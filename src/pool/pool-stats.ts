import type pg from 'pg'
import type { DsqlPoolStats, EventTally, TallyCounts } from '../observability/index.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import type { PoolConnections } from './pool-connections.js'

/** A shared tally (token cache, router) and its counts when the pool was built. */
export interface SharedBaseline {
  readonly tally: EventTally
  readonly baseline: TallyCounts
}

/** Takes the baselines of a runtime's shared tallies: a new pool counts from zero. */
export function sharedBaselines(runtime: DsqlRuntime): readonly SharedBaseline[] {
  return runtime.sharedTallies.map((tally) => ({ tally, baseline: tally.counts() }))
}

/** `pool.stats()`: pg-pool's public counts, the router's view, and the tallies. No I/O. */
export function poolStats(
  pool: pg.Pool,
  runtime: DsqlRuntime,
  connections: PoolConnections,
  shared: readonly SharedBaseline[],
): DsqlPoolStats {
  const tally = runtime.events.tally
  const options = pool.options as { max?: number; min?: number }
  return {
    pool: {
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: options.max ?? 10,
      min: options.min ?? 0,
    },
    database: runtime.config.database,
    endpoints: connections.endpointStats(),
    counters: tally.counters(shared),
    histograms: {
      checkoutWaitSec: tally.checkoutWaitSec.snapshot(),
      connectSec: tally.connectSec.snapshot(),
      useSec: tally.useSec.snapshot(),
      transactionAttempts: tally.transactionAttempts.snapshot(),
    },
  }
}
