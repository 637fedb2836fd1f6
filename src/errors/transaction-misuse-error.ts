import { DsqlError } from './dsql-error.js'

/**
 * `transaction()` was called where it cannot work: inside another `transaction()` on the same
 * client, twice at once on one client, or on a client already inside its own `BEGIN`. DSQL has
 * no savepoints, so nesting cannot be emulated. Code `ERR_DSQL_TRANSACTION_MISUSE`.
 */
export class TransactionMisuseError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.TransactionMisuseError')
  override name = 'TransactionMisuseError' as const

  constructor(message: string) {
    super(message, 'ERR_DSQL_TRANSACTION_MISUSE')
  }
}
