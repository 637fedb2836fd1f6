export { EXIT_CODES, type ExitCode } from './exit-codes.js'
export { type CliIo, runCli } from './run-cli.js'
