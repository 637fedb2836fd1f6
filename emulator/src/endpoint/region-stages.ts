import { setTimeout as delay } from 'node:timers/promises'
import type { StatsRecorder } from '../control/index.js'
import type { SessionContext, UnitStage } from '../session/index.js'
import { isCommitUnit, isWriteUnit } from '../sql/index.js'
import { DSQL_ERRORS } from '../transactions/index.js'
import type { ClientUnit } from '../wire/index.js'

/** What the part-1 stages read from their Region endpoint, live. */
export interface RegionControls {
  readonly region: string
  /** Client-to-endpoint round-trip time, in milliseconds. */
  latencyMs(): number
  /** Round-trip time to the peer Region, paid by commits that wrote, in milliseconds. */
  interRegionRttMs(): number
  /** The Region is isolated and existing sessions get `XX000` on each statement. */
  failsExistingSessions(): boolean
}

/** Each round trip waits the Region's client latency first. */
export function roundTripStage(controls: RegionControls): UnitStage {
  return async (unit, _ctx, next) => {
    const ms = controls.latencyMs()
    if (ms > 0) await delay(ms)
    return next(unit)
  }
}

/** An isolated Region (`existing: 'error'`) answers every unit with `XX000 server unavailable`. */
export function isolationStage(controls: RegionControls): UnitStage {
  return (unit, ctx, next) => {
    if (!controls.failsExistingSessions()) return next(unit)
    return ctx.fail(unit, DSQL_ERRORS.serverUnavailable, { endsTransaction: isCommitUnit(unit) })
  }
}

/** Whether this unit commits a transaction that wrote: an explicit COMMIT, or an autocommit write. */
async function commitsWrites(unit: ClientUnit, ctx: SessionContext): Promise<boolean> {
  if (ctx.transactionStatus === 'I') return isWriteUnit(unit)
  return ctx.transactionStatus === 'T' && isCommitUnit(unit) && (await ctx.transactionWrote())
}

/**
 * A commit that wrote pays the inter-Region round trip (DSQL commits synchronously in both
 * peered Regions), and its time is recorded as `CommitLatency`.
 */
export function commitStage(controls: RegionControls, stats: StatsRecorder): UnitStage {
  return async (unit, ctx, next) => {
    if (!(await commitsWrites(unit, ctx))) return next(unit)
    const startedMs = performance.now()
    const rttMs = controls.interRegionRttMs()
    if (rttMs > 0) await delay(rttMs)
    const reply = await next(unit)
    if (reply.error === undefined) stats.commitLatency(controls.region, performance.now() - startedMs)
    return reply
  }
}
