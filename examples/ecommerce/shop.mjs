// The load phase: the shoppers shop for the run's duration under the live view while the outage
// plays out; if the near Region was healed but traffic has not come back yet, they shop on (up to
// FAILBACK_WAIT_SEC) so the run shows the failback too.
import { seededRandom } from './catalog.mjs'
import { REGIONS } from './emulator-process.mjs'
import { runOutage } from './outage.mjs'
import { runShopper } from './shopper.mjs'

const FAILBACK_WAIT_SEC = 15
const LIVE_WINDOW_SEC = 3

/** Waits `sec`, or less when `signal` aborts. */
const pause = (sec, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, sec * 1000)
    signal.addEventListener('abort', done)
  })

/**
 * The live view's totals: pool.stats() for the driver's side, the recorder for the shoppers',
 * and the tokens signed in the process (from pg-dsql's diagnostics channel).
 */
export function liveTotals(pool, recorder, tokens) {
  const { counters, endpoints } = pool.stats()
  const totals = recorder.totals()
  return {
    conflicts: counters.occConflicts.data + counters.occConflicts.schema,
    retries: counters.retries.transaction + counters.retries.autocommit,
    tokensIssued: tokens.signed,
    failovers: counters.failovers,
    failbacks: counters.failbacks,
    errors: totals.errors,
    placed: totals.placed,
    outOfStock: totals.outOfStock,
    endpoints,
  }
}

export async function shop({
  flags,
  pool,
  catalog,
  recorder,
  view,
  timeline,
  emulator,
  plan,
  stopSignal,
  tokens,
}) {
  let shopping = true
  let status = plan === undefined ? 'steady' : 'both Regions up'
  const draw = () => view.update(recorder.window(LIVE_WINDOW_SEC), liveTotals(pool, recorder, tokens), status)
  const tick = setInterval(draw, view.intervalMs)
  const seed = seededRandom(Date.now() >>> 0)
  timeline('start', `${flags.shoppers} shoppers start browsing and ordering`)
  const shoppers = Array.from({ length: flags.shoppers }, () =>
    runShopper({
      pool,
      catalog,
      recorder,
      random: seededRandom(Math.floor(seed() * 2 ** 32)),
      isShopping: () => shopping,
    }),
  )

  const outageDone = new AbortController()
  const outage =
    plan === undefined
      ? Promise.resolve()
      : runOutage({
          plan,
          region: REGIONS.near,
          emulator,
          elapsedSec: recorder.elapsedSec,
          signal: outageDone.signal,
          onIsolated: () => {
            status = `${REGIONS.near} ISOLATED`
            timeline(
              'isolate',
              `outage: ${REGIONS.near} isolated (black hole: no answers, open sessions cut)`,
            )
          },
          onHealed: () => {
            status = `${REGIONS.near} healed`
            timeline('heal', `${REGIONS.near} healed`)
          },
        })
  try {
    await pause(flags.durationSec, stopSignal)
    outageDone.abort()
    await outage
    const failedBack = () => recorder.timeline.some((event) => event.kind === 'failback')
    if (plan !== undefined && recorder.timeline.some((e) => e.kind === 'isolate') && !failedBack()) {
      timeline(
        'wait',
        `shopping on until traffic returns to ${REGIONS.near} (at most ${FAILBACK_WAIT_SEC} s)`,
      )
      const deadline = recorder.elapsedSec() + FAILBACK_WAIT_SEC
      while (!failedBack() && recorder.elapsedSec() < deadline && !stopSignal.aborted) {
        await pause(0.25, stopSignal)
      }
    }
  } finally {
    shopping = false
    await Promise.all(shoppers)
    clearInterval(tick)
    status = 'done'
    // A log already has the last interval's line; a terminal gets the final panel.
    if (view.tty) draw()
    timeline('stop', `shoppers stopped after ${recorder.elapsedSec().toFixed(1)} s`)
    view.close()
  }
}
