import { readFileSync } from 'node:fs'
import { DsqlConfigError } from '../errors/index.js'
import { VERSION } from '../version.js'
import { parseConnectionUrl } from './connection-url.js'
import {
  DSQL_OPTION_NAMES,
  type DsqlCredentials,
  TOKEN_ACTIONS,
  type TokenAction,
  type TokenActionOption,
} from './dsql-options.js'
import { type EndpointSpec, endpointHost, parseEndpointSpec, REGION_NAME } from './endpoint-spec.js'
import { resolveTls } from './resolve-tls.js'
import type { CredentialsSource, ResolvedConfig, ResolvedEndpoint } from './resolved-config.js'
import { pick, pickOptional, type Setting, type Source } from './setting.js'

/** The environment variables pg-dsql reads, and nothing else. */
export type DsqlEnv = Readonly<Record<string, string | undefined>>

export interface ResolveOptions {
  /** Reads a CA file; tests pass their own. */
  readonly readFile?: (path: string) => string | Buffer
}

const DEFAULT_PORT = 5432
const DEFAULT_TOKEN_TTL_SEC = 900
const MAX_TOKEN_TTL_SEC = 604_800
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000
// DSQL closes every connection at 60 minutes. 55 minutes leaves room for a transaction that
// starts just before retirement (DSQL lets it run up to 5 more minutes).
const DEFAULT_MAX_LIFETIME_SEC = 3_300
const DSQL_MAX_CONNECTION_AGE_SEC = 3_600
const DEFAULT_IDLE_TIMEOUT_MS = 600_000

/** Options pg-dsql reads itself; everything else goes to pg untouched. */
const OWNED_PG_OPTIONS = new Set<string>([
  ...DSQL_OPTION_NAMES,
  'host',
  'port',
  'user',
  'database',
  'password',
  'ssl',
  'connectionString',
  'application_name',
  'connectionTimeoutMillis',
  'maxLifetimeSeconds',
  'idleTimeoutMillis',
  'sslnegotiation',
])

/** URL parameters pg-dsql reads; the rest go to pg as options. */
const OWNED_URL_PARAMS = new Set<string>([
  'sslmode',
  'sslrootcert',
  'sslnegotiation',
  'application_name',
  'connect_timeout',
  'region',
  'tokenTtlSec',
  'tokenAction',
  'profile',
  'hostaddr',
])

/** Names other DSQL connectors use, and ours. */
const RENAMED_OPTIONS: Readonly<Record<string, string>> = {
  tokenDurationSecs: 'tokenTtlSec',
  customCredentialsProvider: 'credentials',
  clusterEndpoint: 'endpoints',
}

/**
 * Turns user input into one frozen `ResolvedConfig`, field by field: option > URL > env >
 * default. The URL is `connectionString`, or `DATABASE_URL` when there is none. This is the
 * only code in pg-dsql that reads environment variables, and it reads them from `env`.
 */
export function resolveConfig(
  input: Readonly<Record<string, unknown>> | string | undefined,
  env: DsqlEnv = process.env,
  { readFile = readFileSync }: ResolveOptions = {},
): ResolvedConfig {
  const options: Readonly<Record<string, unknown>> =
    typeof input === 'string' ? { connectionString: input } : (input ?? {})
  rejectRenamed(options)
  rejectPassword(options)

  const urlFrom = options.connectionString !== undefined ? 'connectionString' : 'DATABASE_URL'
  const url = parseConnectionUrl(stringOption(options, 'connectionString') ?? env.DATABASE_URL, urlFrom)
  const param = (name: string): Source<string> => [url.params.get(name), `${urlFrom} parameter ${name}`]

  const regionOption = pickOptional<string>([[stringOption(options, 'region'), 'region'], param('region')])
  if (regionOption !== undefined) assertRegion(regionOption)
  const envRegion = pickOptional<string>([
    [env.AWS_REGION, 'AWS_REGION'],
    [env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION'],
  ])
  if (envRegion !== undefined) assertRegion(envRegion)

  const port = resolvePort(
    pick<string | number>(
      [
        [options.port as number | string | undefined, 'port'],
        [url.port, `${urlFrom} port`],
        [env.PGPORT, 'PGPORT'],
      ],
      { value: DEFAULT_PORT, from: 'default' },
    ),
  )
  const endpoints = resolveEndpoints(options, url.host, url.params.get('hostaddr'), urlFrom, env).map(
    (spec) => settleEndpoint(spec.spec, spec.from, port, regionOption, envRegion),
  )
  rejectDuplicates(endpoints)

  const user = pick<string>(
    [
      [stringOption(options, 'user'), 'user'],
      [url.user, `${urlFrom} user`],
      [env.PGUSER, 'PGUSER'],
    ],
    {
      value: 'admin',
      from: 'default',
    },
  ).value
  const database = pick<string>(
    [
      [stringOption(options, 'database'), 'database'],
      [url.database, `${urlFrom} database`],
      [env.PGDATABASE, 'PGDATABASE'],
    ],
    { value: 'postgres', from: 'default' },
  ).value

  const tls = resolveTls({
    ssl: options.ssl,
    urlSslMode: pickOptional([param('sslmode')]),
    urlRootCert: pickOptional([param('sslrootcert')]),
    envSslMode: env.PGSSLMODE,
    envRootCert: env.PGSSLROOTCERT,
    sslnegotiation: pickOptional<string>([
      [stringOption(options, 'sslnegotiation'), 'sslnegotiation'],
      param('sslnegotiation'),
      [env.PGSSLNEGOTIATION, 'PGSSLNEGOTIATION'],
    ]),
    addresses: endpoints.map((endpoint) => endpoint.address),
    readFile,
  })

  const onEvent = options.onEvent
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new DsqlConfigError(
      `onEvent must be a function; got ${typeof onEvent}. Pass (event) => { … } or remove it.`,
      {
        option: 'onEvent',
      },
    )
  }

  const resolved: ResolvedConfig = {
    endpoints,
    localRegion: regionOption?.value ?? envRegion?.value,
    user,
    database,
    tokenAction: resolveTokenAction(
      pick<string>([[stringOption(options, 'tokenAction'), 'tokenAction'], param('tokenAction')], {
        value: 'auto',
        from: 'default',
      }),
      user,
    ),
    tokenTtlSec: resolveTokenTtl(
      pick<string | number>(
        [
          [options.tokenTtlSec as number | undefined, 'tokenTtlSec'],
          param('tokenTtlSec'),
          [env.DSQL_TOKEN_TTL, 'DSQL_TOKEN_TTL'],
        ],
        { value: DEFAULT_TOKEN_TTL_SEC, from: 'default' },
      ),
    ),
    ssl: tls.ssl,
    sslnegotiation: tls.sslnegotiation,
    applicationName: pick<string>(
      [
        [stringOption(options, 'application_name'), 'application_name'],
        param('application_name'),
        [env.PGAPPNAME, 'PGAPPNAME'],
      ],
      { value: `pg-dsql/${VERSION}`, from: 'default' },
    ).value,
    connectTimeoutMs: resolveConnectTimeout(options, url.params.get('connect_timeout'), urlFrom, env),
    maxLifetimeSeconds: resolveMaxLifetime(options.maxLifetimeSeconds),
    idleTimeoutMillis: resolveNonNegative(
      options.idleTimeoutMillis,
      'idleTimeoutMillis',
      DEFAULT_IDLE_TIMEOUT_MS,
    ),
    onEvent: onEvent as ResolvedConfig['onEvent'],
    pgOptions: passThrough(options, url.params),
    retry: options.retry,
    routing: options.routing,
    routingStrategyEnv: env.DSQL_ROUTING,
    credentials: resolveCredentials(options, param('profile'), env),
  }
  // Secrets stay out of enumeration, so logging or spreading the config never prints them.
  Object.defineProperty(resolved, 'credentials', { enumerable: false })
  return freezeConfig(resolved)
}

/**
 * Freezes what the resolver built, but not the user's own objects inside it (a credentials
 * object, pg's `types`, a `stream` factory): freezing those would change the caller's values.
 */
function freezeConfig(config: ResolvedConfig): ResolvedConfig {
  for (const endpoint of config.endpoints) Object.freeze(endpoint)
  Object.freeze(config.endpoints)
  if (config.ssl !== false) Object.freeze(config.ssl)
  Object.freeze(config.pgOptions)
  Object.freeze(config.credentials)
  return Object.freeze(config)
}

function stringOption(options: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = options[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') {
    throw new DsqlConfigError(`${name} must be a string; got ${typeof value}. Fix the value or remove it.`, {
      option: name,
    })
  }
  return value
}

function rejectRenamed(options: Readonly<Record<string, unknown>>): void {
  for (const [old, replacement] of Object.entries(RENAMED_OPTIONS)) {
    if (options[old] !== undefined) {
      throw new DsqlConfigError(`${old} is not a pg-dsql option; use ${replacement} instead.`, {
        option: old,
      })
    }
  }
}

function rejectPassword(options: Readonly<Record<string, unknown>>): void {
  const password = options.password
  if (password !== undefined && password !== null && password !== '') {
    throw new DsqlConfigError(
      'password is set, but pg-dsql authenticates with IAM tokens it signs and caches itself. ' +
        'Remove password (and use credentials or profile to choose the AWS identity).',
      { option: 'password' },
    )
  }
}

function resolveEndpoints(
  options: Readonly<Record<string, unknown>>,
  urlHost: string | undefined,
  urlHostAddr: string | undefined,
  urlFrom: string,
  env: DsqlEnv,
): { spec: EndpointSpec; from: string }[] {
  const listed = options.endpoints
  if (listed !== undefined && listed !== null) {
    const items = typeof listed === 'string' ? splitList(listed) : Array.isArray(listed) ? listed : undefined
    if (items === undefined || items.length === 0 || items.some((item) => typeof item !== 'string')) {
      throw new DsqlConfigError(
        'endpoints must be a string or a non-empty array of strings (cluster ids, endpoint hosts or host@address:port).',
        { option: 'endpoints' },
      )
    }
    return items.map((item: string) => ({ spec: parseEndpointSpec(item, 'endpoints'), from: 'endpoints' }))
  }
  const single = pickOptional<string>([
    [stringOption(options, 'host'), 'host'],
    [
      urlHost === undefined ? undefined : urlHostAddr === undefined ? urlHost : `${urlHost}@${urlHostAddr}`,
      `${urlFrom} host`,
    ],
  ])
  if (single !== undefined) return [{ spec: parseEndpointSpec(single.value, single.from), from: single.from }]
  const fromEnv = pickOptional<string>([
    [env.DSQL_ENDPOINTS, 'DSQL_ENDPOINTS'],
    [env.DSQL_ENDPOINT, 'DSQL_ENDPOINT'],
    [env.PGHOST, 'PGHOST'],
  ])
  if (fromEnv === undefined) {
    throw new DsqlConfigError(
      'No DSQL endpoint is configured. Set endpoints (or host) to your cluster endpoint, such as ' +
        '<cluster-id>.dsql.us-east-1.on.aws, or set DSQL_ENDPOINTS, DATABASE_URL or PGHOST.',
      { option: 'endpoints' },
    )
  }
  const items = splitList(fromEnv.value)
  if (items.length === 0) {
    throw new DsqlConfigError(
      `${fromEnv.from} lists no endpoint. Set it to host[@address[:port]], comma-separated.`,
      {
        option: fromEnv.from,
      },
    )
  }
  return items.map((item) => ({ spec: parseEndpointSpec(item, fromEnv.from), from: fromEnv.from }))
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function settleEndpoint(
  spec: EndpointSpec,
  from: string,
  port: number,
  regionOption: Setting<string> | undefined,
  envRegion: Setting<string> | undefined,
): ResolvedEndpoint {
  let region: string
  if (spec.hostRegion !== undefined) {
    if (regionOption !== undefined && regionOption.value !== spec.hostRegion) {
      throw new DsqlConfigError(
        `${regionOption.from} is "${regionOption.value}", but the endpoint ${spec.host} from ${from} is in ` +
          `${spec.hostRegion}. Remove ${regionOption.from}: the Region comes from the endpoint host.`,
        { option: regionOption.from },
      )
    }
    region = spec.hostRegion
  } else {
    const chosen = regionOption ?? envRegion
    if (chosen === undefined) {
      const what =
        spec.clusterId !== undefined ? `the cluster id ${spec.clusterId}` : `the endpoint ${spec.host}`
      throw new DsqlConfigError(
        `No AWS Region for ${what} from ${from}. Set region (or AWS_REGION), or use the full endpoint ` +
          'host <cluster-id>.dsql.<region>.on.aws.',
        { option: 'region' },
      )
    }
    region = chosen.value
  }
  const host = spec.host ?? endpointHost(spec.clusterId as string, region)
  return { host, address: spec.address ?? host, port: spec.port ?? port, region }
}

function rejectDuplicates(endpoints: readonly ResolvedEndpoint[]): void {
  const seen = new Set<string>()
  for (const { host } of endpoints) {
    if (seen.has(host)) {
      throw new DsqlConfigError(`The endpoint ${host} is listed twice. List each Region's endpoint once.`, {
        option: 'endpoints',
      })
    }
    seen.add(host)
  }
}

function assertRegion(setting: Setting<string>): void {
  if (!REGION_NAME.test(setting.value)) {
    throw new DsqlConfigError(
      `${setting.from} is "${setting.value}", which is not an AWS Region name such as us-east-1.`,
      { option: setting.from },
    )
  }
}

function resolvePort(setting: Setting<string | number>): number {
  const port = Number(setting.value)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new DsqlConfigError(
      `${setting.from} is "${setting.value}"; a port is a whole number from 1 to 65535. Remove it to use 5432.`,
      { option: setting.from },
    )
  }
  return port
}

function resolveTokenAction(setting: Setting<string>, user: string): TokenAction {
  if (!(TOKEN_ACTIONS as readonly string[]).includes(setting.value)) {
    throw new DsqlConfigError(
      `${setting.from} is "${setting.value}"; use "auto", "DbConnect" or "DbConnectAdmin" (auto signs ` +
        'DbConnectAdmin for the admin user and DbConnect for every other role).',
      { option: setting.from },
    )
  }
  const action = setting.value as TokenActionOption
  if (action !== 'auto') return action
  return user === 'admin' ? 'DbConnectAdmin' : 'DbConnect'
}

function resolveTokenTtl(setting: Setting<string | number>): number {
  const ttl = typeof setting.value === 'number' ? setting.value : Number(setting.value)
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SEC) {
    throw new DsqlConfigError(
      `tokenTtlSec must be whole seconds from 1 to ${MAX_TOKEN_TTL_SEC}; got "${setting.value}" from ` +
        `${setting.from}. Remove it to use the default (${DEFAULT_TOKEN_TTL_SEC}).`,
      { option: setting.from },
    )
  }
  return ttl
}

function resolveConnectTimeout(
  options: Readonly<Record<string, unknown>>,
  urlTimeoutSec: string | undefined,
  urlFrom: string,
  env: DsqlEnv,
): number {
  const setting = pickOptional<string | number>([
    [options.connectionTimeoutMillis as number | undefined, 'connectionTimeoutMillis'],
    [
      urlTimeoutSec === undefined ? undefined : Number(urlTimeoutSec) * 1000,
      `${urlFrom} parameter connect_timeout`,
    ],
    [
      env.PGCONNECT_TIMEOUT === undefined ? undefined : Number(env.PGCONNECT_TIMEOUT) * 1000,
      'PGCONNECT_TIMEOUT',
    ],
  ])
  if (setting === undefined) return DEFAULT_CONNECT_TIMEOUT_MS
  const ms = Number(setting.value)
  if (!Number.isFinite(ms) || ms < 0) {
    throw new DsqlConfigError(
      `${setting.from} must be a non-negative number (connectionTimeoutMillis is milliseconds; ` +
        `connect_timeout and PGCONNECT_TIMEOUT are seconds). Remove it to use ${DEFAULT_CONNECT_TIMEOUT_MS} ms.`,
      { option: setting.from },
    )
  }
  return ms
}

function resolveMaxLifetime(value: unknown): number {
  const seconds = resolveNonNegative(value, 'maxLifetimeSeconds', DEFAULT_MAX_LIFETIME_SEC)
  if (seconds > DSQL_MAX_CONNECTION_AGE_SEC) {
    throw new DsqlConfigError(
      `maxLifetimeSeconds is ${seconds}, but DSQL closes every connection at ${DSQL_MAX_CONNECTION_AGE_SEC} s. ` +
        `Use at most ${DSQL_MAX_CONNECTION_AGE_SEC} (the default, ${DEFAULT_MAX_LIFETIME_SEC}, leaves room for a last transaction).`,
      { option: 'maxLifetimeSeconds' },
    )
  }
  return seconds
}

function resolveNonNegative(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new DsqlConfigError(
      `${name} must be a non-negative number; got "${String(value)}". Remove it to use ${fallback}.`,
      {
        option: name,
      },
    )
  }
  return value
}

function resolveCredentials(
  options: Readonly<Record<string, unknown>>,
  urlProfile: Source<string>,
  env: DsqlEnv,
): CredentialsSource {
  const credentials = options.credentials
  const profileOption = pickOptional<string>([[stringOption(options, 'profile'), 'profile'], urlProfile])
  if (credentials !== undefined && credentials !== null) {
    if (profileOption !== undefined) {
      throw new DsqlConfigError(
        `credentials and ${profileOption.from} are both set, and they name different identities. Keep one of them.`,
        { option: 'credentials' },
      )
    }
    if (typeof credentials === 'function') {
      return { kind: 'provider', provider: credentials as () => Promise<DsqlCredentials> }
    }
    const identity = credentials as Partial<DsqlCredentials>
    if (
      typeof identity !== 'object' ||
      typeof identity.accessKeyId !== 'string' ||
      typeof identity.secretAccessKey !== 'string'
    ) {
      throw new DsqlConfigError(
        'credentials must be { accessKeyId, secretAccessKey, sessionToken? } or a function that resolves to it ' +
          '(any AWS SDK credential provider).',
        { option: 'credentials' },
      )
    }
    return { kind: 'identity', identity: identity as DsqlCredentials }
  }
  const profile = profileOption ?? pickOptional<string>([[env.AWS_PROFILE, 'AWS_PROFILE']])
  if (profile !== undefined) return { kind: 'profile', profile: profile.value, from: profile.from }
  return { kind: 'default' }
}

function passThrough(
  options: Readonly<Record<string, unknown>>,
  urlParams: ReadonlyMap<string, string>,
): Record<string, unknown> {
  const rest: Record<string, unknown> = {}
  for (const [key, value] of urlParams) {
    if (!OWNED_URL_PARAMS.has(key)) rest[key] = value
  }
  for (const key of Object.keys(options)) {
    if (!OWNED_PG_OPTIONS.has(key) && options[key] !== undefined) rest[key] = options[key]
  }
  return rest
}
