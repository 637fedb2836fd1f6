// The terminal view. On a TTY, a panel redrawn in place with the timeline scrolling above it; on
// anything else (a pipe, a CI log), one plain line per interval and one per event. It only
// formats: the numbers come from the recorder's window and pool.stats().

const ms = (value) => (Number.isNaN(value) ? '   -' : `${Math.round(value)}`.padStart(4))
const pct = (part, whole) => (whole === 0 ? 0 : Math.round((100 * part) / whole))
const stamp = (atSec) => `[${atSec.toFixed(1).padStart(5)}s]`

/**
 * @typedef {{ atSec: number, ordersPerSec: number, byRegion: Record<string, number>, p50Ms: number,
 *   p99Ms: number }} Window
 * @typedef {{ conflicts: number, retries: number, tokensIssued: number, failovers: number,
 *   failbacks: number, errors: number, placed: number, outOfStock: number,
 *   endpoints: readonly { region: string, healthy: boolean, preferred: boolean, openConnections: number }[] }} Totals
 */

/** One plain line: what a log gets. @param {Window} w @param {Totals} t */
export function plainLine(w, t) {
  const total = Object.values(w.byRegion).reduce((a, b) => a + b, 0)
  const share = Object.entries(w.byRegion)
    .map(([region, count]) => `${region} ${String(pct(count, total)).padStart(3)}%`)
    .join(' ')
  return (
    `${stamp(w.atSec)} ${w.ordersPerSec.toFixed(1).padStart(5)} orders/s | ${share} | ` +
    `p50 ${ms(w.p50Ms)} ms p99 ${ms(w.p99Ms)} ms | conflicts retried ${t.conflicts} | ` +
    `tokens signed ${t.tokensIssued} | failovers ${t.failovers} | failbacks ${t.failbacks} | errors ${t.errors}`
  )
}

/** @param {{ atSec: number, text: string }} event */
export function eventLine(event) {
  return `${stamp(event.atSec)} ** ${event.text}`
}

/** The TTY panel's lines. @param {Window} w @param {Totals} t @param {string} status */
export function panelLines(w, t, status) {
  const total = Object.values(w.byRegion).reduce((a, b) => a + b, 0)
  const bar = (share) => {
    const filled = Math.round(share / 5)
    return `${'█'.repeat(filled)}${'░'.repeat(20 - filled)}`
  }
  const endpointOf = (region) => t.endpoints.find((endpoint) => endpoint.region === region)
  return [
    `── pg-dsql global shop ── ${status}`,
    `orders/s ${w.ordersPerSec.toFixed(1).padStart(6)}   placed ${t.placed}   out of stock ${t.outOfStock}`,
    ...Object.entries(w.byRegion).map(([region, count]) => {
      const endpoint = endpointOf(region)
      const state =
        endpoint === undefined
          ? ''
          : `${endpoint.healthy ? 'healthy  ' : 'DOWN     '}${endpoint.preferred ? 'preferred ' : '          '}${endpoint.openConnections} conns`
      return `${region.padEnd(10)} ${bar(pct(count, total))} ${String(pct(count, total)).padStart(3)} %  ${state}`
    }),
    `order latency  p50 ${ms(w.p50Ms)} ms   p99 ${ms(w.p99Ms)} ms   (last 3 s)`,
    `conflicts retried ${t.conflicts}   retries ${t.retries}   tokens signed ${t.tokensIssued}   ` +
      `failovers ${t.failovers}   failbacks ${t.failbacks}   errors seen by shoppers ${t.errors}`,
  ]
}

/**
 * @param {{ write(text: string): unknown, isTTY?: boolean }} stream
 */
export function createLiveView(stream) {
  const tty = stream.isTTY === true
  let drawn = 0
  const pending = []
  return {
    tty,
    /** Redraw interval: the panel often, plain lines every 2 s. */
    intervalMs: tty ? 500 : 2000,
    event(event) {
      if (tty) pending.push(eventLine(event))
      else stream.write(`${eventLine(event)}\n`)
    },
    /** @param {Window} w @param {Totals} t @param {string} status */
    update(w, t, status) {
      if (!tty) {
        stream.write(`${plainLine(w, t)}\n`)
        return
      }
      const lines = panelLines(w, t, status)
      // Up over the last panel, clear to the end of the screen, new events, then the panel.
      const up = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : ''
      stream.write(`${up}${[...pending.splice(0), ...lines].join('\n')}\n`)
      drawn = lines.length
    },
    /** Leaves the last panel on screen and flushes events not yet shown. */
    close() {
      if (tty && pending.length > 0) stream.write(`${pending.splice(0).join('\n')}\n`)
    },
  }
}
