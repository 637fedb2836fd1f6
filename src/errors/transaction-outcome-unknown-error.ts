import { DsqlError } from './dsql-error.js'

/**
 * COMMIT was sent and no answer came back (the connection dropped, or DSQL answered `XX000
 * server unavailable`): the transaction may or may not have committed, so pg-dsql does not
 * retry it. Code `08007` (SQLSTATE "transaction resolution unknown"). Check the data, make the
 * work idempotent (`idempotent: true`), or let pg-dsql check for you (`exactlyOnce: true`).
 */
export class TransactionOutcomeUnknownError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.TransactionOutcomeUnknownError')
  override name = 'TransactionOutcomeUnknownError' as const
  readonly attempts: number

  constructor(message: string, options: { attempts: number; cause: unknown }) {
    super(message, '08007', options)
    this.attempts = options.attempts
  }
}
