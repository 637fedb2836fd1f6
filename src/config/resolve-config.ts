import { readFileSync } from 'node:fs'
import { DsqlConfigError } from '../errors/index.js'
import { VERSION } from '../version.js'
import { parseConnectionUrl } from './connection-url.js'
import { DSQL_OPTION_NAMES } from './dsql-options.js'
import { resolveCredentials } from './resolve-credentials.js'
import { assertRegion, rejectDuplicates, resolveEndpoints, settleEndpoint } from './resolve-endpoints.js'
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_PORT,
  DEFAULT_TOKEN_TTL_SEC,
  resolveConnectTimeout,
  resolveMaxLifetime,
  resolveNonNegative,
  resolvePort,
  resolveTokenAction,
  resolveTokenTtl,
} from './resolve-limits.js'
import { resolveRetryOptions } from './resolve-retry.js'
import { resolveTls } from './resolve-tls.js'
import type { ResolvedConfig } from './resolved-config.js'
import type { RetryOptions } from './retry-options.js'
import { resolveRoutingOptions } from './routing-options.js'
import { pick, pickOptional, type Source, stringOption } from './setting.js'

/** The environment variables pg-dsql reads, and nothing else. */
export type DsqlEnv = Readonly<Record<string, string | undefined>>

export interface ResolveOptions {
  /** Reads a CA file; tests pass their own. */
  readonly readFile?: (path: string) => string | Buffer
}

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

/** Names other DSQL connectors (and ORMs' own configs) use, and ours. */
const RENAMED_OPTIONS: Readonly<Record<string, string>> = {
  tokenDurationSecs: 'tokenTtlSec',
  customCredentialsProvider: 'credentials',
  clusterEndpoint: 'endpoints',
  // pg ignores `username`; taken silently, the role would fall back to admin.
  username: 'user',
}

/**
 * Turns user input into one complete, frozen `ResolvedConfig`, field by field: option >
 * `connectionString` > DSQL's own env vars (`DSQL_*`) > `DATABASE_URL` > libpq env vars
 * (`PG*`, `AWS_*`) > default. A user who sets a `DSQL_*` variable means it, so it beats the
 * generic `DATABASE_URL`. The URL is `connectionString`, or `DATABASE_URL` when there is none.
 * Retry and routing are resolved and checked here too. This is the only code in pg-dsql that
 * reads environment variables, and it reads them from `env`.
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
  // Where a DSQL_* variable competes with the URL: connectionString before it, DATABASE_URL after.
  const around = <T>(urlSource: Source<T>, dsqlSources: readonly Source<T>[]): Source<T>[] =>
    urlFrom === 'connectionString' ? [urlSource, ...dsqlSources] : [...dsqlSources, urlSource]

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
  const endpoints = resolveEndpoints(options, url, urlFrom, env).map((spec) =>
    settleEndpoint(spec.spec, spec.from, port, regionOption, envRegion),
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
          ...around<string | number>(param('tokenTtlSec'), [[env.DSQL_TOKEN_TTL, 'DSQL_TOKEN_TTL']]),
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
    retry: resolveRetryOptions(options.retry as RetryOptions | false | undefined),
    routing: resolveRoutingOptions(options.routing, env.DSQL_ROUTING),
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
