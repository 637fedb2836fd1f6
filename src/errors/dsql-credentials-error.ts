import { DsqlError } from './dsql-error.js'

/**
 * AWS credentials could not be resolved, so no token could be signed. `source` names where
 * pg-dsql looked (`credentials`, `profile "dev" (AWS_PROFILE)`, the default chain). The message
 * never contains a key or token.
 */
export class DsqlCredentialsError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.DsqlCredentialsError')
  override name = 'DsqlCredentialsError' as const
  readonly source: string

  constructor(message: string, options: { source: string; cause?: unknown }) {
    super(message, 'ERR_DSQL_CREDENTIALS', options)
    this.source = options.source
  }
}
