import type { ClientConfig, PoolConfig } from 'pg'
import type { DsqlEventListener } from '../observability/index.js'
import type { RetryOptions } from './retry-options.js'
import type { RoutingOptions } from './routing-options.js'

/** The IAM action a token is signed for. `admin` needs `DbConnectAdmin`; every other role `DbConnect`. */
export const TOKEN_ACTIONS = ['auto', 'DbConnect', 'DbConnectAdmin'] as const
export type TokenActionOption = (typeof TOKEN_ACTIONS)[number]
export type TokenAction = Exclude<TokenActionOption, 'auto'>

/**
 * AWS credentials, shaped like the AWS SDK's `AwsCredentialIdentity`, so anything the SDK
 * returns fits.
 */
export interface DsqlCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
  /** When temporary credentials stop working. Tokens are never cached past it. */
  readonly expiration?: Date | undefined
}

/** A function that resolves credentials, like the AWS SDK's credential providers. */
export type DsqlCredentialsProvider = () => Promise<DsqlCredentials>

/** The options pg-dsql adds on top of every pg option. */
export interface DsqlOptions {
  /**
   * The DSQL endpoint or endpoints: a cluster id (26 lowercase letters and digits, expanded with
   * `region`), an endpoint host (`<id>.dsql.<region>.on.aws`), or `host@address:port` when TCP
   * must go somewhere else than the host (the emulator, a PrivateLink endpoint, a tunnel). The
   * token and TLS always use the host. One string, a comma-separated list, or an array.
   *
   * @default `DSQL_ENDPOINTS`, then `DSQL_ENDPOINT`, then `host`/`PGHOST`
   * @example 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws'
   * @example ['a…z.dsql.us-east-1.on.aws', 'b…z.dsql.us-east-2.on.aws']
   * @example 'a…z.dsql.us-east-1.on.aws@vpce-0123.dsql.us-east-1.vpce.amazonaws.com:5432'
   */
  endpoints?: string | readonly string[] | undefined
  /**
   * The AWS Region tokens are signed for, when the endpoint host does not name one (a bare
   * cluster id, a custom host). An endpoint host that names another Region is a conflict.
   *
   * @default the Region in the endpoint host, then `AWS_REGION`, then `AWS_DEFAULT_REGION`
   */
  region?: string | undefined
  /**
   * Which IAM action tokens are signed for. `auto` signs `DbConnectAdmin` if and only if the
   * user is `admin`.
   *
   * @default 'auto'
   */
  tokenAction?: TokenActionOption | undefined
  /**
   * How long a token is valid, in seconds (1 to 604800). Tokens are only checked when a
   * connection opens, so this bounds how long a cached token may be reused; pg-dsql refreshes
   * it in the background at about 80% of its life.
   *
   * @default `DSQL_TOKEN_TTL`, then 900
   */
  tokenTtlSec?: number | undefined
  /**
   * AWS credentials or a credential provider (any AWS SDK provider fits). Resolved through one
   * memoized provider per pool; never once per token.
   *
   * @default the AWS SDK default chain (env, SSO, shared files, process, web identity, container, IMDS)
   */
  credentials?: DsqlCredentials | DsqlCredentialsProvider | undefined
  /**
   * A profile from the shared AWS config files, resolved through the SDK's node provider chain.
   * Unlike `DsqlSigner`'s own `profile` option, this one really selects the profile.
   *
   * @default `AWS_PROFILE`
   */
  profile?: string | undefined
  /**
   * Receives every pg-dsql event (`token.issued`, `connect`, `retry`, ...). Its return value is
   * ignored and its exceptions never change what the driver does. The same events go to the
   * `diagnostics_channel` channel `pg-dsql:event`.
   */
  onEvent?: DsqlEventListener | undefined
  /**
   * Retry settings for this pool's transactions and autocommit statements; `false` turns retries
   * off. A `transaction(fn, options)` call's options override these.
   *
   * @default { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 1000, deadlineMs: 30000, autocommit: true }
   */
  retry?: RetryOptions | false | undefined
  /**
   * Multi-Region routing: how to choose among `endpoints`, how often to probe them, whether to
   * discover peers. See the README's Multi-Region section.
   *
   * @default { strategy: DSQL_ROUTING ?? 'latency', probeIntervalMs: 5000, probeTimeoutMs: 1000, failbackAfterMs: 1500, discover: false }
   */
  routing?: RoutingOptions | undefined
  /**
   * How TLS is negotiated: `postgres` (an SSLRequest first) or `direct` (TLS from the first
   * byte, one round trip less; needs pg ≥ 8.22).
   *
   * @default `PGSSLNEGOTIATION`, then pg's default (`postgres`)
   */
  sslnegotiation?: 'postgres' | 'direct' | undefined
}

/** Options for `new DsqlClient()`: every pg client option plus pg-dsql's. */
export type DsqlClientConfig = Omit<ClientConfig, 'password'> & DsqlOptions

/** Options for `new DsqlPool()`: every pg pool option plus pg-dsql's. */
export type DsqlPoolConfig = Omit<PoolConfig, 'password'> & DsqlOptions

/** The option names pg-dsql owns; they are never handed to pg. */
export const DSQL_OPTION_NAMES = [
  'endpoints',
  'region',
  'tokenAction',
  'tokenTtlSec',
  'credentials',
  'profile',
  'onEvent',
  'retry',
  'routing',
] as const satisfies readonly string[]
