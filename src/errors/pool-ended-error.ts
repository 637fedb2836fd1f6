import { DsqlError } from './dsql-error.js'

/**
 * `pool.end()` was called while this `query()`, `connect()` or `transaction()` still waited for a
 * connection: nothing was sent. pg-pool leaves such calls pending forever; DsqlPool rejects them
 * with this. Code `ERR_DSQL_POOL_ENDED`.
 */
export class PoolEndedError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.PoolEndedError')
  override name = 'PoolEndedError' as const

  constructor() {
    super(
      'The pool was ended (pool.end()) while this call waited for a connection, so nothing was sent. ' +
        'Let the work finish before ending the pool.',
      'ERR_DSQL_POOL_ENDED',
    )
  }
}
