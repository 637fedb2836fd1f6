export { createControlOperations } from './control-operations.js'
export { type ControlOperations, startControlServer } from './control-server.js'
export { EmulatorClock } from './emulator-clock.js'
export { type EmulatorStats, type RegionStats, StatsRecorder } from './emulator-stats.js'
export {
  type AmbiguousReply,
  FAULT_KINDS,
  type FaultKind,
  FaultPlan,
  type FaultSpec,
  type InjectedFault,
} from './fault-plan.js'
export type { ExistingSessionPolicy, IsolationMode, IsolationOptions } from './isolation.js'
