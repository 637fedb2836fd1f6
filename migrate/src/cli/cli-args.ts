import { parseArgs } from 'node:util'
import { CliUsageError } from './exit-codes.js'

/** One flag of a command, as `--help` lists it. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean'
  /** What the flag's value is, for `--help` (`<n>`, `<name>`). */
  readonly value?: string
  readonly help: string
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>

export interface ParsedArgs {
  readonly flags: Readonly<Record<string, string | boolean | undefined>>
  readonly paths: readonly string[]
}

/**
 * Reads `argv` against the command's flags. Unknown flags, flags missing their value and values
 * given to a switch are refused with a CliUsageError that names the flag and the flags there are.
 */
export function parseCommandArgs(command: string, argv: readonly string[], specs: FlagSpecs): ParsedArgs {
  const options = Object.fromEntries(
    Object.entries({ ...specs, help: { type: 'boolean' as const } }).map(([name, spec]) => [
      name,
      { type: spec.type, ...(name === 'help' ? { short: 'h' } : {}) },
    ]),
  )
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
    })
    return { flags: values, paths: positionals }
  } catch (error) {
    const flag = /'(-[^' ]+)/.exec((error as Error).message)?.[1] ?? ''
    const known = Object.keys(specs)
      .map((name) => `--${name}`)
      .join(', ')
    const code = (error as { code?: string }).code
    const what =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? `unknown option ${flag}`
        : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'
          ? specs[flag.replace(/^-+/, '')]?.type === 'boolean'
            ? `option ${flag} takes no value`
            : `option ${flag} needs a value`
          : (error as Error).message
    throw new CliUsageError(
      `pg-dsql-migrate ${command}: ${what}. Its options are ${known === '' ? 'none' : known} and --help.`,
    )
  }
}

/** A flag's value as a whole number, or undefined when the flag is absent. */
export function wholeNumberFlag(args: ParsedArgs, name: string, min: number): number | undefined {
  const raw = args.flags[name]
  if (raw === undefined) return undefined
  if (
    typeof raw !== 'string' ||
    !/^\d+$/.test(raw) ||
    Number(raw) < min ||
    !Number.isSafeInteger(Number(raw))
  ) {
    throw new CliUsageError(`--${name} must be a whole number of at least ${min}; got "${String(raw)}".`)
  }
  return Number(raw)
}

/** A string flag's value, or undefined when the flag is absent. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const raw = args.flags[name]
  return typeof raw === 'string' ? raw : undefined
}

/** The flags of a command as `--help` lists them. */
export function describeFlags(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => [
    `--${name}${spec.value === undefined ? '' : ` ${spec.value}`}`,
    spec.help,
  ])
  rows.push(['-h, --help', 'show this help'])
  const width = Math.max(...rows.map(([left]) => (left as string).length))
  return rows.map(([left, help]) => `  ${(left as string).padEnd(width)}  ${help}`).join('\n')
}
