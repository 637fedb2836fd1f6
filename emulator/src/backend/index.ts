export { BackendCatalog } from './backend-catalog.js'
export {
  type BackendAddress,
  BackendConnectError,
  type BackendSession,
  connectBackend,
  parseBackendUrl,
} from './backend-connection.js'
export {
  type EmbeddedBackend,
  type EmbeddedBackendOptions,
  startEmbeddedBackend,
} from './embedded-backend.js'
export {
  isProcessAlive,
  makeOwnedTempDir,
  OWNER_FILE,
  type SweepOptions,
  sweepStaleTempDirs,
  TEMP_DIR_PREFIXES,
  type TempDirPrefix,
} from './temp-dirs.js'
