export type { CliIo } from './emulator-command.js'
export { emulatorUsage, runEmulatorCommand } from './emulator-command.js'
