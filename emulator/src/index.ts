export { type EmbeddedBackend, type EmbeddedBackendOptions, startEmbeddedBackend } from './backend/index.js'
export { type CliIo as EmulatorCommandIo, runEmulatorCommand } from './cli/index.js'
export {
  type AmbiguousReply,
  type EmulatorStats,
  type ExistingSessionPolicy,
  FAULT_KINDS,
  type FaultKind,
  type FaultSpec,
  type InjectedFault,
  type IsolationMode,
  type IsolationOptions,
  type RegionStats,
} from './control/index.js'
export type {
  Emulator,
  EmulatorCredentials,
  EmulatorEndpoint,
  EmulatorTemporaryCredentials,
} from './emulator.js'
export {
  EMULATOR_ERROR_CODES,
  EMULATOR_START_STEPS,
  EmulatorBackendError,
  EmulatorError,
  type EmulatorErrorCode,
  EmulatorOptionError,
  EmulatorStartError,
  type EmulatorStartStep,
} from './emulator-error.js'
export { type EmulatorOptions, REGION_SETS } from './emulator-options.js'
export { EMULATOR_PROFILES, type EmulatorProfile } from './sql/index.js'
export { startEmulator } from './start-emulator.js'
