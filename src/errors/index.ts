export { DsqlAuthError } from './dsql-auth-error.js'
export { DsqlConfigError } from './dsql-config-error.js'
export { DsqlCredentialsError } from './dsql-credentials-error.js'
export type { DsqlErrorOptions } from './dsql-error.js'
export { DsqlError } from './dsql-error.js'
export type { ErrorClass, ErrorVerdict, RetrySafety } from './error-catalog.js'
export {
  CHECKOUT_TIMED_OUT,
  classifyError,
  ERROR_CLASSES,
  errorVerdict,
  isOccError,
  RETRY_SAFETY,
} from './error-catalog.js'
export type { EndpointFailure } from './no-healthy-endpoint-error.js'
export { NoHealthyEndpointError } from './no-healthy-endpoint-error.js'
export { OccRetryExhaustedError } from './occ-retry-exhausted-error.js'
export { PoolEndedError } from './pool-ended-error.js'
export { TransactionAbortedError } from './transaction-aborted-error.js'
export { TransactionMisuseError } from './transaction-misuse-error.js'
export { TransactionOutcomeUnknownError } from './transaction-outcome-unknown-error.js'
