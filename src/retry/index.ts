export type { AutocommitFailure } from './autocommit-retry.js'
export { autocommitRetryDelay, isReadOnlyQuery, isReadOnlyStatement } from './autocommit-retry.js'
export { CommitMarkers, MARKER_RETENTION_SEC, MARKER_TABLE } from './commit-markers.js'
export type { CheckoutCallback, ConnectAttempt } from './connect-runner.js'
export { connectWithRetry, nextConnectAttempt } from './connect-runner.js'
export type {
  Lease,
  RetryTarget,
  SendCallback,
  SentState,
  StatementResult,
  TransactionClient,
  TransactionTarget,
} from './retry-target.js'
export type { RetryAttempt, RetryTransactionOptions } from './retry-transaction.js'
export { reportingStages, retryTransaction } from './retry-transaction.js'
export type { StatementCallback } from './statement-runner.js'
export { runStatement } from './statement-runner.js'
export { transactionOn } from './transaction-entry.js'
export type { RunTransactionOptions } from './transaction-runner.js'
export { runTransaction } from './transaction-runner.js'
