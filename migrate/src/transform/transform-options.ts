import type { TransformOptions } from './transform-types.js'

/** An option given to transform or lint is invalid. `option` names it. */
export class MigrateOptionsError extends Error {
  override readonly name = 'MigrateOptionsError'
  readonly code = 'ERR_DSQL_MIGRATE_OPTIONS'
  constructor(
    message: string,
    readonly option: string,
  ) {
    super(message)
  }
}

/** TransformOptions checked, with defaults filled in. */
export interface ResolvedTransformOptions {
  readonly source?: string
  readonly identityCache: number
}

/** DSQL's smallest cache above 1 (its CREATE SEQUENCE page). */
export const DEFAULT_IDENTITY_CACHE = 65_536

/** Checks the options once, before any statement is read. */
export function resolveTransformOptions(options: TransformOptions = {}): ResolvedTransformOptions {
  if (typeof options !== 'object' || options === null) {
    throw new MigrateOptionsError(`transform options must be an object; got ${String(options)}.`, 'options')
  }
  const cache = options.identityCache ?? DEFAULT_IDENTITY_CACHE
  if (!Number.isSafeInteger(cache) || (cache !== 1 && cache < DEFAULT_IDENTITY_CACHE)) {
    throw new MigrateOptionsError(
      `identityCache must be 1 or a whole number of at least 65536, as DSQL requires of CACHE; got ${JSON.stringify(options.identityCache)}. Remove it to use 65536.`,
      'identityCache',
    )
  }
  if (options.source !== undefined && typeof options.source !== 'string') {
    throw new MigrateOptionsError(
      `source must be a string naming the migration; got ${typeof options.source}.`,
      'source',
    )
  }
  return options.source === undefined
    ? { identityCache: cache }
    : { source: options.source, identityCache: cache }
}
