import type { DsqlPoolStats, ObservedPool } from '../observability/index.js'

/** The pool an adapter was given, checked: a plain pg.Pool has no stats() to read. */
export function observedPool(pool: unknown, adapter: string): ObservedPool {
  const candidate = pool as Partial<ObservedPool> | null
  if (typeof candidate?.stats !== 'function' || typeof candidate.observe !== 'function') {
    throw new TypeError(
      `pg-dsql/${adapter}: instrumentPool() needs a DsqlPool (it reads pool.stats()); got ${describe(pool)}. ` +
        'Build the pool with new DsqlPool(config).',
    )
  }
  return candidate as ObservedPool
}

/**
 * The OpenTelemetry convention's default pool name, `host:port/database`, of the pool's first
 * endpoint: unique for each cluster and database, and free of secrets.
 */
export function defaultPoolName(stats: DsqlPoolStats): string {
  const first = stats.endpoints[0]
  return first === undefined ? stats.database : `${first.host}:${first.port}/${stats.database}`
}

/** `name`, or `name#2`, `name#3`… when pools already use it (two pools of one cluster). */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name
  for (let n = 2; ; n++) if (!taken.has(`${name}#${n}`)) return `${name}#${n}`
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value
  return (value as object).constructor?.name ?? 'an object'
}
