/**
 * Counters of one Region's cluster (or, in `cluster`, of all of them), named as CloudWatch
 * names DSQL's metrics, so tests can check an app's metrics against them.
 */
export interface RegionStats {
  /** Transactions that ended (committed or rolled back), read-only ones included. */
  readonly TotalTransactions: number
  /** Ended transactions that wrote nothing. */
  readonly ReadOnlyTransactions: number
  /** Transactions aborted with `40001` `(OC000)`. */
  readonly OccConflicts: number
  /** Statements that failed on the transaction age limit (`54000`). */
  readonly QueryTimeouts: number
  /** Median time of the commit phase over the last 1,000 commits, in milliseconds (0: none yet). */
  readonly CommitLatency: number
  /** Open client connections that passed authentication. */
  readonly ClusterConnectionCount: number
  /** Connection attempts that presented a token, by its action. */
  readonly CallCount: { readonly DbConnect: number; readonly DbConnectAdmin: number }
  /** Connection attempts refused at authentication (`08006` access denied). */
  readonly AuthFailures: number
  /** Connections refused with `53400` (rate) and `53300` (count). */
  readonly RateExceeded: number
  readonly TooManyConnections: number
  /** Client queries served: each simple `Query` and each `Execute`. */
  readonly QueryCount: number
  /** Backend sessions the emulator holds open (one per client session). */
  readonly BackendSessions: number
}

/** `stats()`: per Region and for the whole cluster. */
export interface EmulatorStats {
  readonly cluster: RegionStats
  readonly regions: Readonly<Record<string, RegionStats>>
}

type Counter = Exclude<keyof RegionStats, 'CommitLatency' | 'CallCount'>

const LATENCY_WINDOW = 1000

class RegionCounters {
  readonly counts: Record<Counter, number> = {
    TotalTransactions: 0,
    ReadOnlyTransactions: 0,
    OccConflicts: 0,
    QueryTimeouts: 0,
    ClusterConnectionCount: 0,
    AuthFailures: 0,
    RateExceeded: 0,
    TooManyConnections: 0,
    QueryCount: 0,
    BackendSessions: 0,
  }
  readonly calls = { DbConnect: 0, DbConnectAdmin: 0 }
  readonly commitLatencies: number[] = []
  #next = 0

  addLatency(ms: number): void {
    if (this.commitLatencies.length < LATENCY_WINDOW) this.commitLatencies.push(ms)
    else this.commitLatencies[this.#next] = ms
    this.#next = (this.#next + 1) % LATENCY_WINDOW
  }
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Collects the counters behind `stats()`. */
export class StatsRecorder {
  readonly #regions = new Map<string, RegionCounters>()

  constructor(regions: readonly string[]) {
    for (const region of regions) this.#regions.set(region, new RegionCounters())
  }

  add(region: string, counter: Counter, by = 1): void {
    const counters = this.#regions.get(region)
    if (counters !== undefined) counters.counts[counter] += by
  }

  call(region: string, action: 'DbConnect' | 'DbConnectAdmin'): void {
    const counters = this.#regions.get(region)
    if (counters !== undefined) counters.calls[action]++
  }

  commitLatency(region: string, ms: number): void {
    this.#regions.get(region)?.addLatency(ms)
  }

  snapshot(): EmulatorStats {
    const regions: Record<string, RegionStats> = {}
    const total = new RegionCounters()
    const latencies: number[] = []
    for (const [region, counters] of this.#regions) {
      regions[region] = Object.freeze({
        ...counters.counts,
        CommitLatency: median(counters.commitLatencies),
        CallCount: Object.freeze({ ...counters.calls }),
      })
      for (const key of Object.keys(counters.counts) as Counter[]) total.counts[key] += counters.counts[key]
      total.calls.DbConnect += counters.calls.DbConnect
      total.calls.DbConnectAdmin += counters.calls.DbConnectAdmin
      latencies.push(...counters.commitLatencies)
    }
    return Object.freeze({
      cluster: Object.freeze({
        ...total.counts,
        CommitLatency: median(latencies),
        CallCount: Object.freeze({ ...total.calls }),
      }),
      regions: Object.freeze(regions),
    })
  }
}
