import { lint } from '../lint/index.js'
import { SqlSyntaxError } from '../sql/index.js'
import {
  type Change,
  MigrateOptionsError,
  type PlannedStatement,
  renderSql,
  resolveTransformOptions,
  type Severity,
  statusOf,
  type TransformOptions,
  transform,
} from '../transform/index.js'
import { type FlagSpecs, type ParsedArgs, stringFlag, wholeNumberFlag } from './cli-args.js'
import { CliUsageError, EXIT_CODES, type ExitCode } from './exit-codes.js'
import { countChanges, formatChanges, VERDICTS } from './format-changes.js'
import { readMigrations, type SourcedMigration } from './read-migrations.js'
import type { CliIo } from './run-cli.js'

export const TRANSFORM_FLAGS: FlagSpecs = {
  json: { type: 'boolean', help: 'write the result as JSON on stdout' },
  'identity-cache': {
    type: 'string',
    value: '<n>',
    help: 'CACHE of identity columns made from serial: 1 or at least 65536 (default 65536)',
  },
  source: {
    type: 'string',
    value: '<name>',
    help: 'the name standard input is reported under (default <stdin>)',
  },
}

/** One migration's outcome, as `--json` writes it. */
interface Outcome {
  readonly id: string
  readonly source: string
  readonly status: 'clean' | Severity
  readonly changes: readonly Change[]
  /** transform only: undefined when the SQL could not be parsed. */
  readonly statements?: readonly PlannedStatement[]
}

/** The transform options the flags give, checked before any file is read. */
export function transformOptionsOf(args: ParsedArgs): TransformOptions {
  const identityCache = wholeNumberFlag(args, 'identity-cache', 1)
  const options = identityCache === undefined ? {} : { identityCache }
  try {
    resolveTransformOptions(options)
  } catch (error) {
    if (error instanceof MigrateOptionsError) throw new CliUsageError(`--identity-cache: ${error.message}`)
    throw error
  }
  return options
}

/** `lint`: what transform would change, as a report; `transform`: the DSQL SQL on stdout, the report on stderr. */
export async function lintCommand(
  kind: 'lint' | 'transform',
  args: ParsedArgs,
  io: CliIo,
): Promise<ExitCode> {
  const options = transformOptionsOf(args)
  const migrations = await readMigrations(args.paths, io.readStdin, stringFlag(args, 'source') ?? '<stdin>')
  const outcomes: Outcome[] = []
  for (const migration of migrations) outcomes.push(await outcomeOf(kind, migration, options))
  const changes = outcomes.flatMap((o) => o.changes)
  const status = statusOf(changes)
  if (args.flags.json === true) {
    io.stdout.write(`${JSON.stringify({ status, migrations: outcomes }, null, 2)}\n`)
  } else {
    const report = io[kind === 'lint' ? 'stdout' : 'stderr']
    if (kind === 'transform') io.stdout.write(renderAll(outcomes))
    if (changes.length > 0) report.write(`${formatChanges(changes)}\n`)
    report.write(`${countChanges(changes, outcomes.length)}. ${VERDICTS[status]}\n`)
  }
  return status === 'clean' ? EXIT_CODES.clean : status === 'error' ? EXIT_CODES.errors : EXIT_CODES.changed
}

async function outcomeOf(
  kind: 'lint' | 'transform',
  migration: SourcedMigration,
  options: TransformOptions,
): Promise<Outcome> {
  const sourced = { ...options, source: migration.source }
  const base = { id: migration.id, source: migration.source }
  if (kind === 'transform') {
    try {
      const result = await transform(migration.sql, sourced)
      return { ...base, status: result.status, changes: result.changes, statements: result.statements }
    } catch (error) {
      // lint reports the syntax error as a change, with its place.
      if (!(error instanceof SqlSyntaxError)) throw error
    }
  }
  const result = await lint(migration.sql, sourced)
  return { ...base, status: result.status, changes: result.changes }
}

/** The SQL of every migration that could be planned; each introduced by its id when there are several. */
function renderAll(outcomes: readonly Outcome[]): string {
  const planned = outcomes.filter((o) => o.statements !== undefined)
  if (planned.length === 1 && outcomes.length === 1) return renderSql(planned[0]?.statements ?? [])
  return planned.map((o) => `-- migration: ${o.id}\n\n${renderSql(o.statements ?? [])}`).join('\n')
}
