export type { CliIo as EmulatorCommandIo } from './cli/emulator-command.js'
export { runEmulatorCommand } from './cli/emulator-command.js'
export type { EmbeddedBackend, EmbeddedBackendOptions } from './embedded-backend.js'
export { startEmbeddedBackend } from './embedded-backend.js'
export type {
  Emulator,
  EmulatorCredentials,
  EmulatorEndpoint,
  EmulatorTemporaryCredentials,
} from './emulator.js'
export type { EmulatorErrorCode } from './emulator-error.js'
export {
  EMULATOR_ERROR_CODES,
  EmulatorBackendError,
  EmulatorError,
  EmulatorOptionError,
} from './emulator-error.js'
export type { EmulatorOptions, EmulatorProfile } from './emulator-options.js'
export { EMULATOR_PROFILES, REGION_SETS } from './emulator-options.js'
export type { EmulatorStats, RegionStats } from './emulator-stats.js'
export type { AmbiguousReply, FaultKind, FaultSpec, InjectedFault } from './fault-plan.js'
export { FAULT_KINDS } from './fault-plan.js'
export type { ExistingSessionPolicy, IsolationMode, IsolationOptions } from './region-endpoint.js'
export { startEmulator } from './start-emulator.js'
