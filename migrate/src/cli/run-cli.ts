import { describeFlags, type FlagSpecs, parseCommandArgs } from './cli-args.js'
import { CliUnavailableError, CliUsageError, EXIT_CODES, type ExitCode } from './exit-codes.js'

/** Where the command reads and writes; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
  /** Standard input, read to its end; absent where there is none to read. */
  readonly readStdin?: () => Promise<string>
}

const USAGE = `Usage: pg-dsql-migrate <command> [options] [files or folders]

Commands:
  lint       report what DSQL refuses in migrations and how transform fixes it
  transform  write the migrations as DSQL statements (stdout), the report on stderr
  apply      apply the migrations one statement per transaction, journaled, resumable
  status     report applied, pending and drifted statements

lint and transform read standard input when given no path (or "-"). apply and status
connect through pg-dsql, configured by its environment variables (DSQL_ENDPOINTS, AWS_REGION,
AWS credentials, PGSSLROOTCERT ...). A folder is a drizzle-kit folder (meta/_journal.json), a
Prisma migrations folder (<name>/migration.sql), or a folder of .sql files in name order.

Exit codes: 0 clean (nothing to change, all applied); 1 changed with DSQL forms (review the
advisories), or status has pending statements; 2 errors remain (no DSQL form; apply refused or
failed; status found drift); 3 the database could not be reached; 64 bad command line;
70 unexpected failure (a bug).

Run "pg-dsql-migrate <command> --help" for a command's options.
`

interface Command {
  readonly summary: string
  readonly flags: () => Promise<FlagSpecs>
  readonly run: (args: import('./cli-args.js').ParsedArgs, io: CliIo) => Promise<ExitCode>
}

// Each command loads its module on use: lint never loads the apply runner.
const COMMANDS: Readonly<Record<string, Command>> = {
  lint: {
    summary: 'lint [options] [files or folders | -]',
    flags: async () => (await import('./lint-command.js')).TRANSFORM_FLAGS,
    run: async (args, io) => (await import('./lint-command.js')).lintCommand('lint', args, io),
  },
  transform: {
    summary: 'transform [options] [files or folders | -]',
    flags: async () => (await import('./lint-command.js')).TRANSFORM_FLAGS,
    run: async (args, io) => (await import('./lint-command.js')).lintCommand('transform', args, io),
  },
  apply: {
    summary: 'apply [options] <files or folders>',
    flags: async () => (await import('./apply-command.js')).APPLY_FLAGS,
    run: async (args, io) => (await import('./apply-command.js')).applyCommand(args, io),
  },
  status: {
    summary: 'status [options] <files or folders>',
    flags: async () => (await import('./apply-command.js')).STATUS_FLAGS,
    run: async (args, io) => (await import('./apply-command.js')).statusCommand(args, io),
  },
}

/** Runs one command line and resolves to the process exit code (see exit-codes.ts). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io[name === undefined ? 'stderr' : 'stdout'].write(USAGE)
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.clean
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    io.stderr.write(
      `pg-dsql-migrate: unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')}.\n\n${USAGE}`,
    )
    return EXIT_CODES.usage
  }
  try {
    const flags = await command.flags()
    const args = parseCommandArgs(name, rest, flags)
    if (args.flags.help === true) {
      io.stdout.write(`Usage: pg-dsql-migrate ${command.summary}\n\nOptions:\n${describeFlags(flags)}\n`)
      return EXIT_CODES.clean
    }
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr.write(`${error.message}\n`)
      return EXIT_CODES.usage
    }
    if (error instanceof CliUnavailableError) {
      io.stderr.write(`${error.message}\n`)
      return EXIT_CODES.unavailable
    }
    throw error
  }
}
