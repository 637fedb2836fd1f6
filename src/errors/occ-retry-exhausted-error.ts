import { DsqlError } from './dsql-error.js'

/**
 * An optimistic-concurrency conflict kept happening until the retry budget ran out (attempts or
 * `deadlineMs`). Code `40001`, as the conflict itself, so code that switches on SQLSTATE still
 * sees a serialization failure; `cause` is the last conflict.
 */
export class OccRetryExhaustedError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.OccRetryExhaustedError')
  override name = 'OccRetryExhaustedError' as const
  readonly attempts: number
  readonly elapsedMs: number

  constructor(message: string, options: { attempts: number; elapsedMs: number; cause: unknown }) {
    super(message, '40001', options)
    this.attempts = options.attempts
    this.elapsedMs = options.elapsedMs
  }
}
