/** Where the command writes; tests pass their own streams. */
export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

const usage = `Usage: pg-dsql <command> [options]

Commands:
  emulator   run a local Aurora DSQL emulator (needs the pg-dsql-emulator package)
  token      print an IAM authentication token for an endpoint
  doctor     check configuration, credentials, DNS, TCP, TLS and authentication

Run "pg-dsql <command> --help" for a command's options.
`

/** Runs one command line and resolves to the process exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(usage)
    return command === undefined ? 1 : 0
  }
  if (command === 'emulator') {
    const { emulatorCommand } = await import('./emulator-delegate.js')
    return emulatorCommand(argv.slice(1), io)
  }
  if (command === 'token') {
    const { tokenCommand } = await import('./token-command.js')
    return tokenCommand(argv.slice(1), io)
  }
  if (command === 'doctor') {
    const { doctorCommand } = await import('./doctor-command.js')
    return doctorCommand(argv.slice(1), io)
  }
  io.stderr.write(`pg-dsql: unknown command "${command}".\n\n${usage}`)
  return 2
}
