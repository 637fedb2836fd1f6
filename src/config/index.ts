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
export { isLoopback } from './resolve-tls.js'
export type { CredentialsSource, ResolvedConfig, ResolvedEndpoint } from './resolved-config.js'
