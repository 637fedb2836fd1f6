import { DsqlError } from './dsql-error.js'

/** What an endpoint last failed with, as `NoHealthyEndpointError` reports it. */
export interface EndpointFailure {
  readonly endpoint: string
  readonly region: string
  /** A short reason: an error code, or `timed out`, never a server message with secrets. */
  readonly reason: string
}

/**
 * No endpoint could be reached within the connection timeout. `endpoints` lists each one with
 * its last error. Code `08001` (SQLSTATE "unable to establish connection").
 */
export class NoHealthyEndpointError extends DsqlError {
  static override readonly brand: symbol = Symbol.for('pg-dsql.NoHealthyEndpointError')
  override name = 'NoHealthyEndpointError' as const
  readonly endpoints: readonly EndpointFailure[]
  readonly elapsedMs: number

  constructor(
    message: string,
    options: { endpoints: readonly EndpointFailure[]; elapsedMs: number; cause?: unknown },
  ) {
    super(message, '08001', options)
    this.endpoints = options.endpoints
    this.elapsedMs = options.elapsedMs
  }
}
