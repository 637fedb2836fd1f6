import type { ConnectionOptions } from 'node:tls'
import type { DsqlEventListener } from '../observability/index.js'
import type { DsqlCredentials, DsqlCredentialsProvider, TokenAction } from './dsql-options.js'
import type { ResolvedRetry } from './resolve-retry.js'
import type { SslNegotiation } from './resolve-tls.js'
import type { ResolvedRouting } from './routing-options.js'

/** One endpoint, settled: what the token is signed for, where TCP goes, and its Region. */
export interface ResolvedEndpoint {
  /** The DSQL endpoint host: the token's host and the name TLS verifies. */
  readonly host: string
  /** Where TCP connects: the host itself, or the address from `host@address:port`. */
  readonly address: string
  readonly port: number
  readonly region: string
}

/** Where credentials come from, settled once per pool. */
export type CredentialsSource =
  | { readonly kind: 'identity'; readonly identity: DsqlCredentials }
  /** `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`: the first source of the SDK's default chain. */
  | { readonly kind: 'environment'; readonly identity: DsqlCredentials }
  | { readonly kind: 'provider'; readonly provider: DsqlCredentialsProvider }
  | { readonly kind: 'profile'; readonly profile: string; readonly from: string }
  | { readonly kind: 'default' }

/**
 * Every setting, resolved once from options, URL, env and defaults, then deeply frozen.
 * Durations are in the unit their name says. `credentials` is non-enumerable, so logging the
 * config never prints a secret.
 */
export interface ResolvedConfig {
  readonly endpoints: readonly ResolvedEndpoint[]
  /** The Region the app runs in (`region`, `AWS_REGION`, `AWS_DEFAULT_REGION`), if known. */
  readonly localRegion: string | undefined
  readonly user: string
  readonly database: string
  readonly tokenAction: TokenAction
  readonly tokenTtlSec: number
  readonly credentials: CredentialsSource
  readonly ssl: false | Readonly<ConnectionOptions>
  readonly sslnegotiation: SslNegotiation | undefined
  readonly applicationName: string
  /** The physical connect timeout (TCP, TLS, authentication); 0 means none. */
  readonly connectTimeoutMs: number
  /** The upper bound of a pooled connection's life; each connection draws its own below it. */
  readonly maxLifetimeSeconds: number
  readonly idleTimeoutMillis: number
  readonly onEvent: DsqlEventListener | undefined
  /** pg options pg-dsql does not own, passed to pg as given (a fresh copy each time). */
  readonly pgOptions: Readonly<Record<string, unknown>>
  /** The `retry` option, resolved: every transaction's and autocommit statement's defaults. */
  readonly retry: ResolvedRetry
  /** The `routing` option, resolved, with `DSQL_ROUTING` as the strategy when it names none. */
  readonly routing: ResolvedRouting
}
