// What the shoppers saw, kept for the live view, the invariants and the report: every order's
// outcome and latency by second and Region, the timeline of events, and the ledger of orders
// acknowledged to shoppers (and of those whose outcome was unknown). Time comes in as `now`.

/** @param {readonly number[]} sorted ascending @param {number} p 0..100 */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

/**
 * @param {{ regions: readonly string[], now?: () => number }} options
 */
export function createRecorder({ regions, now = () => performance.now() }) {
  const startedAt = now()
  /** @type {{ placed: Record<string, number>, outOfStock: number, errors: number, browses: number }[]} */
  const seconds = []
  /** @type {{ atSec: number, ms: number, region: string }[]} */
  const latencies = []
  /** @type {{ atSec: number, kind: string, text: string }[]} */
  const timeline = []
  /** Orders the shopper was told were placed, by id. */
  const acknowledged = new Map()
  /** Orders whose COMMIT outcome the shopper was told is unknown, by id. */
  const unknown = new Map()
  /** Orders the shopper was told failed or were out of stock, by id. */
  const notPlaced = new Map()
  const errors = new Map()
  let outOfStock = 0
  let browses = 0

  const elapsedSec = () => (now() - startedAt) / 1000
  const second = () => {
    const index = Math.floor(elapsedSec())
    while (seconds.length <= index) {
      seconds.push({
        placed: Object.fromEntries(regions.map((r) => [r, 0])),
        outOfStock: 0,
        errors: 0,
        browses: 0,
      })
    }
    return seconds[index]
  }
  const countError = (what, error) => {
    const key = `${what}: ${error?.name ?? 'Error'}${error?.code === undefined ? '' : ` ${error.code}`}`
    errors.set(key, (errors.get(key) ?? 0) + 1)
    second().errors++
  }

  return {
    elapsedSec,
    /** An order the transaction committed. */
    placed(order, region, ms) {
      acknowledged.set(order.id, order)
      const bucket = second()
      bucket.placed[region] = (bucket.placed[region] ?? 0) + 1
      latencies.push({ atSec: elapsedSec(), ms, region })
    },
    /** The business outcome: the transaction found too little stock and wrote nothing. */
    outOfStock(order) {
      notPlaced.set(order.id, order)
      outOfStock++
      second().outOfStock++
    },
    /** A COMMIT whose answer was lost and that exactlyOnce could not settle: resolved at the end. */
    unknownOutcome(order, error) {
      unknown.set(order.id, order)
      countError('order', error)
    },
    /** Any other error a shopper saw (the order was not placed). */
    orderFailed(order, error) {
      notPlaced.set(order.id, order)
      countError('order', error)
    },
    browsed() {
      browses++
      second().browses++
    },
    browseFailed(error) {
      countError('browse', error)
    },
    event(kind, text) {
      const entry = { atSec: elapsedSec(), kind, text }
      timeline.push(entry)
      return entry
    },
    /** Orders/s, share per Region and latency percentiles over the last `windowSec` seconds. */
    window(windowSec) {
      const to = elapsedSec()
      const from = Math.max(0, to - windowSec)
      const recent = latencies.filter((l) => l.atSec >= from)
      const byRegion = Object.fromEntries(regions.map((r) => [r, 0]))
      for (const l of recent) byRegion[l.region] = (byRegion[l.region] ?? 0) + 1
      const sorted = recent.map((l) => l.ms).sort((a, b) => a - b)
      return {
        atSec: to,
        ordersPerSec: recent.length / Math.max(0.001, to - from),
        byRegion,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
      }
    },
    totals() {
      const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b)
      const byRegion = Object.fromEntries(regions.map((r) => [r, 0]))
      for (const l of latencies) byRegion[l.region] = (byRegion[l.region] ?? 0) + 1
      const latencyByRegion = Object.fromEntries(
        regions.map((region) => {
          const mine = latencies
            .filter((l) => l.region === region)
            .map((l) => l.ms)
            .sort((a, b) => a - b)
          return [region, { p50Ms: percentile(mine, 50), p99Ms: percentile(mine, 99) }]
        }),
      )
      return {
        elapsedSec: elapsedSec(),
        placed: latencies.length,
        latencyByRegion,
        byRegion,
        outOfStock,
        browses,
        unknown: unknown.size,
        errors: [...errors].reduce((sum, [, count]) => sum + count, 0),
        errorsByKind: Object.fromEntries(errors),
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
      }
    },
    seconds,
    timeline,
    acknowledged,
    unknown,
    notPlaced,
  }
}
