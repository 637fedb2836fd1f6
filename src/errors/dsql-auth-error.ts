import { DsqlError } from './dsql-error.js'

/**
 * DSQL refused the IAM token (`08006 unable to accept connection, access denied`). The message
 * carries DSQL's HINT (the reason: wrong action for the user, expired signature, a principal
 * without permission) and never the token. `cause` is pg's original `DatabaseError`.
 */
export class DsqlAuthError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.DsqlAuthError')
  override name = 'DsqlAuthError' as const
  /** The endpoint host that refused the token. */
  readonly endpoint: string
  /** DSQL's reason, from the server's HINT field. */
  readonly hint: string | undefined

  constructor(message: string, options: { endpoint: string; hint: string | undefined; cause: unknown }) {
    super(message, '08006', options)
    this.endpoint = options.endpoint
    this.hint = options.hint
  }
}
