import { DsqlError } from './dsql-error.js'

/**
 * An option, URL parameter or environment variable is missing, malformed or conflicts with
 * another. Thrown at construction, before any socket opens. `option` names the offending
 * setting as the user wrote it (`tokenTtlSec`, `DSQL_ENDPOINTS`, ...).
 */
export class DsqlConfigError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.DsqlConfigError')
  override name = 'DsqlConfigError' as const
  readonly option: string

  constructor(message: string, options: { option: string; cause?: unknown }) {
    super(message, 'ERR_DSQL_CONFIG', options)
    this.option = options.option
  }
}
