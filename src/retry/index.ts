// RetryContext (config/retry-options.ts) names its errorClass type through this door.
export type { ErrorClass } from '../errors/index.js'
export type { AutocommitFailure } from './autocommit-retry.js'
export { autocommitRetryDelay, isReadOnlyQuery, isReadOnlyStatement } from './autocommit-retry.js'
export { CommitMarkers, MARKER_RETENTION_SEC, MARKER_TABLE } from './commit-markers.js'
export type { RunTransactionOptions } from './transaction-runner.js'
export { runTransaction } from './transaction-runner.js'
export type { Lease, TransactionClient, TransactionTarget } from './transaction-target.js'
