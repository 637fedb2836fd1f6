import { DsqlConfigError } from '../errors/index.js'

/**
 * One field's value and where it came from: the option, a URL parameter, an env var or the
 * default. Messages name `from`, so a user knows which setting to fix.
 */
export interface Setting<T> {
  readonly value: T
  readonly from: string
}

/** A candidate source for a field: its value (undefined when silent) and its name. */
export type Source<T> = readonly [value: T | undefined | null, from: string]

/** The first source that says something, in precedence order (option > URL > env > default). */
export function pick<T>(sources: readonly Source<T>[], fallback: Setting<T>): Setting<T> {
  for (const [value, from] of sources) {
    if (value !== undefined && value !== null && value !== '') return { value, from }
  }
  return fallback
}

/** Like `pick`, for fields that may stay unset. */
export function pickOptional<T>(sources: readonly Source<T>[]): Setting<T> | undefined {
  for (const [value, from] of sources) {
    if (value !== undefined && value !== null && value !== '') return { value, from }
  }
  return undefined
}

export function stringOption(options: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = options[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') {
    throw new DsqlConfigError(`${name} must be a string; got ${typeof value}. Fix the value or remove it.`, {
      option: name,
    })
  }
  return value
}

/**
 * Throws for a key an options object does not know: a misspelt option (`stratgy`) would
 * otherwise be ignored in silence. `from` names the object (`routing`, `retry`).
 */
export function rejectUnknownKeys(
  input: object,
  known: readonly string[],
  from: string,
  extra: readonly string[] = [],
): void {
  for (const key of Object.keys(input)) {
    if (known.includes(key) || extra.includes(key)) continue
    throw new DsqlConfigError(
      `${from}.${key} is not an option of ${from}. Use one of: ${known.join(', ')}.`,
      { option: `${from}.${key}` },
    )
  }
}

/**
 * A value as a message shows it: a string or number as written, anything else by its kind. A
 * value may be an object without `toString` (String() would throw) or a function (its source).
 */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  if (value === null || value === undefined) return String(value)
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`
}
