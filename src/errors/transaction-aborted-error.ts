import { DsqlError } from './dsql-error.js'

/**
 * COMMIT answered ROLLBACK: a statement inside the transaction failed, its error was caught
 * inside `fn`, and the transaction was already aborted, so nothing was committed. Code `25P02`
 * (SQLSTATE "in failed SQL transaction"). Let the statement's error propagate instead.
 */
export class TransactionAbortedError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.TransactionAbortedError')
  override name = 'TransactionAbortedError' as const

  constructor(message: string) {
    super(message, '25P02')
  }
}
