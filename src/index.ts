export type {
  ConflictContext,
  DsqlClientConfig,
  DsqlCredentials,
  DsqlCredentialsProvider,
  DsqlOptions,
  DsqlPoolConfig,
  RetryContext,
  RetryOptions,
  RoutingOptions,
  RoutingStrategy,
  TokenAction,
  TokenActionOption,
  TransactionOptions,
} from './config/index.js'
export type { EndpointFailure, ErrorClass } from './errors/index.js'
export {
  classifyError,
  DsqlAuthError,
  DsqlConfigError,
  DsqlCredentialsError,
  DsqlError,
  ERROR_CLASSES,
  isOccError,
  NoHealthyEndpointError,
  OccRetryExhaustedError,
  PoolEndedError,
  TransactionAbortedError,
  TransactionMisuseError,
  TransactionOutcomeUnknownError,
} from './errors/index.js'
export type {
  DsqlCounters,
  DsqlEvent,
  DsqlEventError,
  DsqlEventListener,
  DsqlEventType,
  DsqlPoolStats,
  EndpointStats,
  HistogramSnapshot,
  PoolObserver,
  SampleName,
} from './observability/index.js'
export { DSQL_EVENT_TYPES, EVENT_CHANNEL_NAME } from './observability/index.js'
export type { DsqlPgModule, DsqlPoolClient } from './pool/index.js'
export { createDsqlPg, DsqlClient, DsqlPool, dsqlPg, transaction } from './pool/index.js'
export type { RetryAttempt, RetryTransactionOptions } from './retry/index.js'
export { retryTransaction } from './retry/index.js'
export { VERSION } from './version.js'
