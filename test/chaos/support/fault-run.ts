import { setTimeout as sleep } from 'node:timers/promises'
import type { Emulator } from 'pg-dsql-emulator'
import { type DsqlEvent, DsqlPool, type DsqlPoolConfig } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { backendSessions, type ChaosTables, type DatabaseTruth, readTruth } from './chaos-tables.js'
import { checkOutcomes, longestGap, type Violation } from './invariants.js'
import { eventually, grownResources, liveResources, watchProcess } from './process-watch.js'
import { type SummaryRow, summarize } from './summary-table.js'
import { tappedClient, WireLog } from './wire-tap.js'
import { startWorkload, type Workload } from './workload.js'

/** What a fault sees while it runs. */
export interface FaultContext {
  readonly emulator: Emulator
  readonly pool: DsqlPool
  readonly wire: WireLog
  readonly workload: Workload
  /** Every pg-dsql event of this run's pool. */
  readonly events: readonly DsqlEvent[]
  /** When each of `events` arrived (performance.now()), index for index. */
  readonly eventTimes: readonly number[]
  /** What the database holds for this run's operations (read after the load ended). */
  truth(): Promise<DatabaseTruth>
}

/** One fault: how to start it, and what ends it. */
export interface FaultScenario {
  /** Its name in the summary table. */
  readonly name: string
  /** Pool options on top of the emulator's (credentials, tokenTtlSec, routing, ...). */
  readonly pool?: DsqlPoolConfig
  /** Starts the fault and resolves with the function that ends it (heals, clears, restores). */
  start(context: FaultContext): Promise<() => void | Promise<void>>
  /**
   * False when the fault is not meant to end for this pool (a credential provider that fails for
   * good): the load is not expected to recover, and the pool's routing is not checked.
   */
  readonly recovers?: boolean
  /** Checks of its own, after the load ended and the pool closed. */
  check?(context: FaultContext): Violation[] | Promise<Violation[]>
}

/** Operations that must succeed before the fault, and again after it ends. */
const WARM_UP_SUCCESSES = 20
const RECOVERY_SUCCESSES = 20
/** Generous bounds that only keep a broken run from hanging; what they measure is never asserted. */
const RECOVERY_TIMEOUT_MS = 20_000
// Longer than a retried connect can last: the retry deadline (30 s) plus a connect timeout (5 s).
const DRAIN_TIMEOUT_MS = 40_000
const SETTLE_TIMEOUT_MS = 10_000

let runs = 0

/**
 * Runs the mixed load through a fresh pool, starts the fault once the load is warm, ends it
 * after `durationMs`, lets the load recover, stops it, and checks every invariant: outcomes
 * against the database and the wire, the pool's counts and routing back at baseline, no session,
 * socket or timer left once the pool ended, no unhandled rejection or uncaught error. Returns the
 * summary row; its `violations` list everything that broke.
 */
export async function runFault(
  emulator: Emulator,
  tables: ChaosTables,
  scenario: FaultScenario,
  durationMs: number,
  settleTimeoutMs = SETTLE_TIMEOUT_MS,
): Promise<SummaryRow> {
  const id = `c${process.pid}r${++runs}`
  const applicationName = `chaos-${id}`
  // The baseline is taken with no session open (an earlier pool's sockets close after its end()).
  await eventually(() => sessionsOf(emulator) === 0, settleTimeoutMs)
  const resourcesBefore = liveResources()
  const watch = watchProcess()
  const violations: Violation[] = []
  const add = (invariant: string, detail: string) => violations.push({ invariant, detail })
  const events: DsqlEvent[] = []
  const eventTimes: number[] = []
  const wire = new WireLog()
  const pool = new DsqlPool(
    optionsFor(emulator, {
      max: 8,
      application_name: applicationName,
      // The first Region is preferred while healthy, so a run knows where its load should be;
      // failback soon after a heal, so the run can see routing come back.
      routing: { strategy: 'ordered', failbackAfterMs: 300 },
      Client: tappedClient(wire),
      ...scenario.pool,
      onEvent: (event) => {
        events.push(event)
        eventTimes.push(performance.now())
      },
    }),
  )
  const workload = startWorkload(pool, tables, `${id}-`)
  const context: FaultContext = {
    emulator,
    pool,
    wire,
    workload,
    events,
    eventTimes,
    truth: () => readTruth(tables, `${id}-`),
  }
  let faultAt = performance.now()
  let stoppedAt = faultAt
  let end: (() => void | Promise<void>) | undefined
  try {
    if (!(await workload.successesAfter(0, WARM_UP_SUCCESSES, RECOVERY_TIMEOUT_MS))) {
      add('the load runs before the fault', `fewer than ${WARM_UP_SUCCESSES} successes`)
    }
    const preferredBefore = pool.routing().preferred
    faultAt = performance.now()
    end = await scenario.start(context)
    await sleep(durationMs)
    const ending = end
    end = undefined
    await ending()
    const endedAt = performance.now()
    if (
      scenario.recovers !== false &&
      !(await workload.successesAfter(endedAt, RECOVERY_SUCCESSES, RECOVERY_TIMEOUT_MS))
    ) {
      add(
        'the load recovers after the fault',
        `fewer than ${RECOVERY_SUCCESSES} successes in ${RECOVERY_TIMEOUT_MS} ms`,
      )
    }
    if (scenario.recovers !== false) {
      // Failback is part of recovering: keep the load on until routing is back where it was.
      const routed = await eventually(() => {
        const routing = pool.routing()
        return routing.preferred === preferredBefore && routing.endpoints.every((e) => e.healthy)
      }, settleTimeoutMs)
      if (!routed) add('pool.routing() returns to baseline', JSON.stringify(pool.routing()))
    }
    if (!(await workload.stop(DRAIN_TIMEOUT_MS))) {
      add('every operation ends', `${workload.ops.filter((op) => !op.done).length} still pending`)
    }
    stoppedAt = performance.now()
    await checkPoolAtRest(pool, add, settleTimeoutMs)
  } finally {
    await workload.stop(DRAIN_TIMEOUT_MS)
    // A fault left on by a run that failed is ended here. (Not heal() for every Region: healing
    // also closes connections still in their handshake, which would hide a client's leak.)
    await end?.()
    emulator.clearFaults()
    await pool.end()
  }
  await checkNothingLeft(emulator, applicationName, resourcesBefore, add, settleTimeoutMs)
  violations.push(...((await scenario.check?.(context)) ?? []))
  violations.push(...watch.stop())
  const truth = await context.truth()
  violations.push(...checkOutcomes(workload.ops, wire, truth, workload.unbalancedReads))
  return summarize(
    scenario.name,
    workload.ops,
    violations,
    longestGap(workload.successes, faultAt, stoppedAt),
  )
}

/**
 * With the load drained: nobody waiting, nothing checked out, and the routing snapshot counts the
 * connections pg-pool has (pg-pool reports a removed connection once its socket has closed).
 */
async function checkPoolAtRest(
  pool: DsqlPool,
  add: (invariant: string, detail: string) => void,
  settleTimeoutMs: number,
): Promise<void> {
  const counts = () => {
    const open = pool.routing().endpoints.reduce((sum, endpoint) => sum + endpoint.openConnections, 0)
    return { totalCount: pool.totalCount, idleCount: pool.idleCount, waitingCount: pool.waitingCount, open }
  }
  const atRest = await eventually(() => {
    const { totalCount, idleCount, waitingCount, open } = counts()
    return waitingCount === 0 && idleCount === totalCount && totalCount <= 8 && open === totalCount
  }, settleTimeoutMs)
  if (!atRest) {
    const { totalCount, idleCount, waitingCount, open } = counts()
    add(
      'pool counts return to baseline',
      `totalCount ${totalCount}, idleCount ${idleCount}, waitingCount ${waitingCount}, routing openConnections ${open}`,
    )
  }
}

/** After `pool.end()`: no session at the emulator or the backend, no socket or ref'd timer left here. */
async function checkNothingLeft(
  emulator: Emulator,
  applicationName: string,
  resourcesBefore: Map<string, number>,
  add: (invariant: string, detail: string) => void,
  settleTimeoutMs: number,
): Promise<void> {
  const sessionsClosed = await eventually(() => sessionsOf(emulator) === 0, settleTimeoutMs)
  if (!sessionsClosed) {
    const { ClusterConnectionCount, BackendSessions } = emulator.stats().cluster
    add(
      'no session leak',
      `emulator: ${ClusterConnectionCount} connections, ${BackendSessions} backend sessions`,
    )
  }
  if (!(await eventually(async () => (await backendSessions(applicationName)) === 0, settleTimeoutMs))) {
    add(
      'no session leak',
      `pg_stat_activity: ${await backendSessions(applicationName)} sessions of ${applicationName}`,
    )
  }
  if (
    !(await eventually(() => grownResources(resourcesBefore, liveResources()).length === 0, settleTimeoutMs))
  ) {
    add('no socket or timer leak', grownResources(resourcesBefore, liveResources()).join(', '))
  }
}

/** Client connections and backend sessions the emulator holds open. */
function sessionsOf(emulator: Emulator): number {
  const { ClusterConnectionCount, BackendSessions } = emulator.stats().cluster
  return ClusterConnectionCount + BackendSessions
}
