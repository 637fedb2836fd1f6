export type { ConnectionUrl } from './connection-url.js'
export { parseConnectionUrl } from './connection-url.js'
export type {
  DsqlClientConfig,
  DsqlCredentials,
  DsqlCredentialsProvider,
  DsqlOptions,
  DsqlPoolConfig,
  TokenAction,
  TokenActionOption,
} from './dsql-options.js'
export { DSQL_OPTION_NAMES, TOKEN_ACTIONS } from './dsql-options.js'
export type { EndpointSpec } from './endpoint-spec.js'
export { endpointHost, parseEndpointSpec, regionOfHost } from './endpoint-spec.js'
export type { DsqlEnv, ResolveOptions } from './resolve-config.js'
export { resolveConfig } from './resolve-config.js'
export type { ResolvedRetry } from './resolve-retry.js'
export { RETRY_DEFAULTS, resolveRetryOptions } from './resolve-retry.js'
export { isLoopback } from './resolve-tls.js'
export type { CredentialsSource, ResolvedConfig, ResolvedEndpoint } from './resolved-config.js'
export type { ConflictContext, RetryContext, RetryOptions, TransactionOptions } from './retry-options.js'
export type { ResolvedRouting, RoutingOptions, RoutingStrategy } from './routing-options.js'
export { ROUTING_DEFAULTS, ROUTING_STRATEGIES, resolveRoutingOptions } from './routing-options.js'
