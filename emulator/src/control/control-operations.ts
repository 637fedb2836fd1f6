import {
  checkClockOffsetSec,
  checkFault,
  checkIsolation,
  checkKillOptions,
  checkLatencyMs,
  checkRegion,
} from './control-requests.js'
import type { ControlOperations } from './control-server.js'
import type { EmulatorClock } from './emulator-clock.js'
import type { StatsRecorder } from './emulator-stats.js'
import type { FaultPlan } from './fault-plan.js'
import type { IsolationOptions } from './isolation.js'

/** What the control operations need from a Region's endpoint. */
export interface ControlledRegion {
  readonly region: string
  isolate(options: IsolationOptions): void
  heal(): void
  setLatency(ms: number): void
  /** Closes every session of the Region at once; returns how many. */
  killConnections(): number
  /** The clock moved: sessions past the age limit retire. */
  recheckAges(): void
}

/**
 * The operations of the emulator object and of the HTTP control API, over the Region endpoints,
 * the fault plan, the counters and the clock. Every argument is checked (`control-requests`)
 * before anything changes.
 */
export function createControlOperations(parts: {
  readonly endpoints: readonly ControlledRegion[]
  readonly faults: FaultPlan
  readonly stats: StatsRecorder
  readonly clock: EmulatorClock
}): ControlOperations {
  const { endpoints, faults, stats, clock } = parts
  const regions = endpoints.map((endpoint) => endpoint.region)
  const endpointOf = (region: unknown) => endpoints[regions.indexOf(checkRegion(region, regions))]!
  return {
    isolate: (region, isolation) => endpointOf(region).isolate(checkIsolation(isolation)),
    heal: (region) => endpointOf(region).heal(),
    setLatency: (region, ms) => endpointOf(region).setLatency(checkLatencyMs(ms)),
    inject: (fault) => faults.add(checkFault(fault, regions)),
    faults: () => faults.list(),
    clearFaults: () => faults.clear(),
    killConnections: (kill) => {
      const { region } = checkKillOptions(kill, regions)
      let killed = 0
      for (const endpoint of endpoints) {
        if (region === undefined || endpoint.region === region) killed += endpoint.killConnections()
      }
      return killed
    },
    setClockOffset: (sec) => {
      clock.setOffsetSec(checkClockOffsetSec(sec))
      for (const endpoint of endpoints) endpoint.recheckAges()
    },
    stats: () => stats.snapshot(),
  }
}
