import {
  ApplyError,
  type ApplyEvent,
  type ApplyOptions,
  apply,
  type StatementRef,
  type StatementStatus,
  type StatusResult,
  status,
} from '../apply/index.js'
import { formatLocation } from '../sql/index.js'
import { type FlagSpecs, type ParsedArgs, stringFlag, wholeNumberFlag } from './cli-args.js'
import { type CliPool, connectPool } from './connect-pool.js'
import { CliUnavailableError, EXIT_CODES, type ExitCode } from './exit-codes.js'
import { TRANSFORM_FLAGS, transformOptionsOf } from './lint-command.js'
import { readMigrations } from './read-migrations.js'
import type { CliIo } from './run-cli.js'

const JOURNAL_FLAGS: FlagSpecs = {
  json: TRANSFORM_FLAGS.json as FlagSpecs[string],
  'identity-cache': TRANSFORM_FLAGS['identity-cache'] as FlagSpecs[string],
  'journal-schema': { type: 'string', value: '<schema>', help: "the journal's schema (default public)" },
  'journal-table': {
    type: 'string',
    value: '<table>',
    help: 'the journal table (default pg_dsql_migrate_journal; the lock table adds _lock)',
  },
}

export const APPLY_FLAGS: FlagSpecs = {
  ...JOURNAL_FLAGS,
  'holder-id': {
    type: 'string',
    value: '<name>',
    help: "this runner's name in the lock and journal: give a restarted deploy the same one (default host:pid:random)",
  },
  'no-wait': { type: 'boolean', help: 'fail at once (exit 2) when another runner holds the lock' },
  'lock-timeout-ms': {
    type: 'string',
    value: '<ms>',
    help: 'how long to wait for the lock (default 600000)',
  },
  'max-attempts': {
    type: 'string',
    value: '<n>',
    help: 'attempts per statement or journal write on conflicts and lost connections (default 10)',
  },
  'job-timeout-ms': {
    type: 'string',
    value: '<ms>',
    help: 'how long to wait for an async index or validation job (default 3600000)',
  },
}

export const STATUS_FLAGS: FlagSpecs = {
  ...JOURNAL_FLAGS,
  'no-catalog': { type: 'boolean', help: 'read the journal only; do not check the catalog for drift' },
}

/** The options apply and status share, from the flags and the migrations at the paths. */
async function sharedOptions(args: ParsedArgs): Promise<Omit<ApplyOptions, 'pool'>> {
  const transform = transformOptionsOf(args)
  const migrations = (await readMigrations(args.paths, undefined, '')).map(({ id, sql }) => ({ id, sql }))
  const schema = stringFlag(args, 'journal-schema')
  const table = stringFlag(args, 'journal-table')
  return {
    migrations,
    transform,
    ...(schema === undefined && table === undefined
      ? {}
      : {
          journal: { ...(schema === undefined ? {} : { schema }), ...(table === undefined ? {} : { table }) },
        }),
  }
}

/** Runs `work` on a pool from the environment; sorts its failures into exit codes. */
async function withPool(
  io: CliIo,
  json: boolean,
  work: (pool: CliPool) => Promise<ExitCode>,
): Promise<ExitCode> {
  const pool = await connectPool()
  try {
    return await work(pool)
  } catch (error) {
    if (error instanceof ApplyError) {
      writeFailure(io, json, error)
      return EXIT_CODES.errors
    }
    // The driver's and the network's failures carry a code (08001, ECONNREFUSED, ERR_DSQL_…);
    // anything else is a bug, left to surface as one.
    if (typeof (error as { code?: unknown } | null)?.code !== 'string') throw error
    const message = `Could not reach the database: ${(error as Error).message}. Check DSQL_ENDPOINTS (and the other pg-dsql settings) and network access to the endpoint.`
    throw new CliUnavailableError(message, {
      cause: error,
    })
  } finally {
    await pool.end().catch(() => undefined)
  }
}

function writeFailure(io: CliIo, json: boolean, error: ApplyError): void {
  if (json)
    io.stdout.write(
      `${JSON.stringify({ error: { name: error.name, code: error.code, message: error.message } }, null, 2)}\n`,
    )
  else io.stderr.write(`${error.name}: ${error.message}\n`)
}

/** `apply`: every pending statement, one per transaction, progress on stderr. */
export async function applyCommand(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const json = args.flags.json === true
  const holderId = stringFlag(args, 'holder-id')
  const waitTimeoutMs = wholeNumberFlag(args, 'lock-timeout-ms', 0)
  const jobTimeoutMs = wholeNumberFlag(args, 'job-timeout-ms', 1)
  const maxAttempts = wholeNumberFlag(args, 'max-attempts', 1)
  const shared = await sharedOptions(args)
  const options: Omit<ApplyOptions, 'pool'> = {
    ...shared,
    lock: {
      ...(args.flags['no-wait'] === true ? { wait: false } : {}),
      ...(waitTimeoutMs === undefined ? {} : { waitTimeoutMs }),
      ...(holderId === undefined ? {} : { holderId }),
    },
    ...(jobTimeoutMs === undefined ? {} : { jobs: { timeoutMs: jobTimeoutMs } }),
    ...(maxAttempts === undefined ? {} : { retry: { maxAttempts } }),
    ...(json ? {} : { onEvent: (event: ApplyEvent) => writeProgress(io, event) }),
  }
  return withPool(io, json, async (pool) => {
    const result = await apply({ ...options, pool })
    if (json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else {
      const recovered = result.recovered === 0 ? '' : ` and recovered ${result.recovered}`
      io.stdout.write(
        result.applied + result.recovered === 0
          ? `Nothing to apply: ${result.migrations.length} ${plural(result.migrations.length, 'migration')} already applied.\n`
          : `Applied ${result.applied} ${plural(result.applied, 'statement')}${recovered} in ${result.migrations.length} ${plural(result.migrations.length, 'migration')}.\n`,
      )
    }
    return EXIT_CODES.clean
  })
}

const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`)
const ref = (statement: StatementRef) =>
  `${statement.migrationId} #${statement.index + 1} (${formatLocation(statement.location)})`

/** The events a person watching a deploy wants, one line each. */
function writeProgress(io: CliIo, event: ApplyEvent): void {
  const line = progressLine(event)
  if (line !== undefined) io.stderr.write(`${line}\n`)
}

function progressLine(event: ApplyEvent): string | undefined {
  switch (event.type) {
    case 'journal.created':
      return `created ${event.table}`
    case 'lock.waiting':
      return `waiting for the lock held by ${event.holder}`
    case 'migration.started':
      return `${event.migrationId}: ${event.pending} of ${event.statements} ${plural(event.statements, 'statement')} to apply`
    case 'statement.applied':
      return `  applied    ${ref(event.statement)}`
    case 'statement.recovered':
      return `  recovered  ${ref(event.statement)}: ${event.reason}`
    case 'job.waiting':
      return `  waiting for job ${event.jobId} of ${ref(event.statement)}`
    case 'statement.retried':
      return `  retrying   ${ref(event.statement)} (attempt ${event.attempt + 1}: ${event.failure})`
    default:
      return undefined
  }
}

/**
 * `status`: applied, pending and drifted statements; exits 0 all applied, 1 pending or unknown
 * journal rows, 2 drift. A journal that records migrations not given (applied from another
 * branch, renamed, deleted) is not "everything applied": a CI gate on 0 must hear of it, while it
 * breaks nothing the given migrations made, so it is not drift either.
 */
export async function statusCommand(args: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const json = args.flags.json === true
  const shared = await sharedOptions(args)
  return withPool(io, json, async (pool) => {
    const result = await status({ ...shared, pool, checkCatalog: args.flags['no-catalog'] !== true })
    const problems = result.migrations.flatMap((m) => m.problems)
    const code =
      result.drifted.length > 0 || problems.length > 0
        ? EXIT_CODES.errors
        : result.pending.length > 0 || result.unknown.length > 0
          ? EXIT_CODES.changed
          : EXIT_CODES.clean
    io.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : formatStatus(result))
    return code
  })
}

function formatStatus(result: StatusResult): string {
  const lines: string[] = []
  for (const migration of result.migrations) {
    const done = migration.statements.filter((s) => s.state === 'applied').length
    lines.push(
      `${migration.state.padEnd(8)}  ${migration.id}  ${done}/${migration.statements.length} applied${migration.checksumChanged ? ', source changed since' : ''}`,
    )
    for (const statement of migration.statements) {
      if (statement.state !== 'applied') lines.push(`  ${statementLine(statement)}`)
    }
    for (const problem of migration.problems)
      lines.push(`  cannot apply: ${formatLocation(problem.location)} ${problem.message}`)
  }
  for (const row of result.unknown) {
    lines.push(
      `unknown   ${row.migrationId} #${row.index + 1} is in the journal but not among the migrations given`,
    )
  }
  if (!result.catalogChecked && result.unknown.length > 0) {
    lines.push('The catalog was not checked: migrations not given may have changed these objects since.')
  }
  const count = (n: number, word: string) => `${n} ${plural(n, word)}`
  lines.push(
    `${count(result.applied.length, 'statement')} applied, ${result.pending.length} pending, ${result.drifted.length} drifted.`,
  )
  return `${lines.join('\n')}\n`
}

function statementLine(statement: StatementStatus): string {
  const where = `#${statement.statement.index + 1} (${formatLocation(statement.statement.location)})`
  if (statement.state === 'pending')
    return `pending  ${where}${statement.interrupted === true ? ', a run stopped at it' : ''}`
  return `drifted  ${where} [${statement.drift?.kind}]: ${statement.drift?.differences.join('; ')}`
}
