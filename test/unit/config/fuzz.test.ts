import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type DsqlEnv, type ResolvedConfig, resolveConfig } from '../../../src/config/index.js'
import { DsqlConfigError } from '../../../src/errors/index.js'
import { TEST_CA_PEM } from '../../support/test-ca.js'

/**
 * Random env vars, URLs, `DSQL_ENDPOINTS` strings and option objects given to `resolveConfig`:
 * each yields a `DsqlConfigError` that names a setting, or a valid, frozen config, and nothing
 * else (no TypeError, no crash, no hang), and no secret put in anywhere appears in the error's
 * message, in the config's JSON or in `util.inspect` of either. `FUZZ_SECONDS` sets how long each
 * property runs (default 1.5 s).
 */

const SECONDS = Number(process.env.FUZZ_SECONDS || 1.5)
const settings = {
  interruptAfterTimeLimit: SECONDS * 1000,
  numRuns: 1_000_000,
  markInterruptAsFailure: false,
}
/** A hang is a call that does not return; ten seconds is far beyond any config to resolve. */
const HANG_MS = 10_000

/** Marks every secret, so a leak is found by this prefix whatever the secret's form. */
const SECRET_MARK = 'S3CR3T'
const secret = fc.stringMatching(/^[A-Za-z0-9/+]{8,20}$/).map((s) => `${SECRET_MARK}${s}`)

const ID = fc.stringMatching(/^[a-z0-9]{26}$/)
const REGION = fc.constantFrom(
  'us-east-1',
  'us-east-2',
  'eu-west-1',
  'ap-northeast-1',
  'us-west-2',
  'xx-nowhere-9',
)
const DSQL_HOST = fc.tuple(ID, REGION).map(([id, region]) => `${id}.dsql.${region}.on.aws`)
const ADDRESS = fc.constantFrom(
  '127.0.0.1',
  '10.0.0.7',
  '[::1]',
  '::1',
  'localhost',
  'vpce-0a1b.example.com',
  '',
  '@',
  '[]',
)
const PORT_TEXT = fc.oneof(
  fc.integer({ min: -1, max: 70_000 }).map(String),
  fc.constantFrom('0x10', '1e3', ' 5432 ', '', 'NaN', 'Infinity', '5432abc', '٥٤٣٢'),
)
/** Text in the shapes config sees, broken in the ways users break it, plus anything at all. */
const junk = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', ' ', ',', '@', ':', '%', '%zz'),
)

const endpointSpec = fc.oneof(
  DSQL_HOST,
  ID,
  fc.tuple(DSQL_HOST, ADDRESS).map(([h, a]) => `${h}@${a}`),
  fc.tuple(DSQL_HOST, ADDRESS, PORT_TEXT).map(([h, a, p]) => `${h}@${a}:${p}`),
  // A URL pasted where an endpoint goes, password and all.
  fc.tuple(DSQL_HOST, secret).map(([h, s]) => `postgres://admin:${s}@${h}/postgres`),
  junk,
)
const endpointList = fc
  .tuple(fc.array(endpointSpec, { maxLength: 4 }), fc.constantFrom(',', ', ', ',,'))
  .map(([list, separator]) => list.join(separator))

const QUERY_KEYS = [
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
  'options',
  'ssl',
  'statement_timeout',
]
const queryValue = fc.oneof(
  fc.constantFrom(
    'verify-full',
    'require',
    'disable',
    'no-verify',
    'direct',
    'postgres',
    'us-east-1',
    '900',
    '0x20',
    '-1',
    'DbConnect',
    'auto',
    '/nonexistent/ca.pem',
    '/ca.pem',
    'system',
  ),
  PORT_TEXT,
  junk,
)
/** A query parameter: a setting with any value, or a password (always a secret). */
const queryParam = fc.oneof(
  fc.tuple(fc.constantFrom(...QUERY_KEYS), queryValue),
  fc.tuple(fc.constant('password'), secret),
)
const url = fc.oneof(
  fc
    .record({
      scheme: fc.constantFrom('postgres://', 'postgresql://', 'http://', 'mysql://', ''),
      user: fc.option(fc.constantFrom('admin', 'app', '', 'a%20b'), { nil: undefined }),
      password: fc.option(secret, { nil: undefined }),
      host: fc.oneof(DSQL_HOST, ID, ADDRESS, junk),
      port: fc.option(PORT_TEXT, { nil: undefined }),
      database: fc.option(fc.constantFrom('postgres', 'other', ''), { nil: undefined }),
      query: fc.array(queryParam, { maxLength: 4 }),
    })
    .map(({ scheme, user, password, host, port, database, query }) => {
      const userinfo = user === undefined ? '' : `${user}${password === undefined ? '' : `:${password}`}@`
      const search = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
      return `${scheme}${userinfo}${host}${port === undefined ? '' : `:${port}`}${database === undefined ? '' : `/${database}`}${search === '' ? '' : `?${search}`}`
    }),
  junk,
)
/** A URL cut anywhere: what a shell quoting mistake leaves. */
const truncatedUrl = fc.tuple(url, fc.nat()).map(([text, cut]) => text.slice(0, cut % (text.length + 1)))

const NUMERIC = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    1,
    3e9,
    1e10,
    2 ** 31,
    2 ** 31 - 1,
    Number.MAX_SAFE_INTEGER,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ),
)
/** Values a JavaScript caller can pass, the odd ones included. */
const anyValue = fc.oneof(
  NUMERIC,
  junk,
  fc.boolean(),
  fc.constantFrom(
    null,
    undefined,
    [],
    [600],
    {},
    Object.create(null),
    Symbol('x'),
    10n,
    () => 1,
    new Date(Number.NaN),
  ),
  fc.anything({ maxDepth: 2, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true }),
)

const envArbitrary: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    DSQL_ENDPOINTS: endpointList,
    DSQL_ENDPOINT: endpointSpec,
    DATABASE_URL: fc.oneof(url, truncatedUrl),
    PGHOST: fc.oneof(DSQL_HOST, ADDRESS, junk),
    PGPORT: PORT_TEXT,
    PGUSER: fc.oneof(fc.constantFrom('admin', 'app'), junk),
    PGDATABASE: fc.oneof(fc.constant('postgres'), junk),
    PGSSLMODE: fc.oneof(fc.constantFrom('verify-full', 'require', 'disable', 'no-verify', 'prefer'), junk),
    PGSSLROOTCERT: fc.constantFrom('/ca.pem', '/nonexistent/ca.pem', 'system', ''),
    PGSSLNEGOTIATION: fc.oneof(fc.constantFrom('postgres', 'direct'), junk),
    PGAPPNAME: junk,
    PGCONNECT_TIMEOUT: PORT_TEXT,
    AWS_REGION: fc.oneof(REGION, junk),
    AWS_DEFAULT_REGION: fc.oneof(REGION, junk),
    AWS_PROFILE: fc.oneof(fc.constant('dev'), junk),
    AWS_ACCESS_KEY_ID: fc.constantFrom('AKIDEXAMPLE', ''),
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_SESSION_TOKEN: secret,
    AWS_CREDENTIAL_EXPIRATION: fc.oneof(fc.constant('2030-01-01T00:00:00Z'), junk),
    DSQL_TOKEN_TTL: PORT_TEXT,
    DSQL_ROUTING: fc.oneof(fc.constantFrom('latency', 'local-first', 'ordered'), junk),
  },
  { requiredKeys: [] },
)

const credentials = fc.oneof(
  fc.record({
    accessKeyId: fc.constant('AKIDEXAMPLE'),
    secretAccessKey: secret,
    sessionToken: fc.option(secret, { nil: undefined }),
  }),
  secret.map((s) => async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: s })),
  anyValue,
)
const wildOptions: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    endpoints: fc.oneof(endpointList, fc.array(endpointSpec, { maxLength: 3 }), anyValue),
    host: fc.oneof(DSQL_HOST, ADDRESS, anyValue),
    connectionString: fc.oneof(url, truncatedUrl, anyValue),
    region: fc.oneof(REGION, anyValue),
    port: fc.oneof(PORT_TEXT, anyValue),
    user: fc.oneof(fc.constantFrom('admin', 'app'), anyValue),
    database: anyValue,
    password: fc.oneof(secret, fc.constantFrom('', null, undefined)),
    credentials,
    profile: anyValue,
    tokenTtlSec: fc.oneof(PORT_TEXT, anyValue),
    tokenAction: fc.oneof(fc.constantFrom('auto', 'DbConnect', 'DbConnectAdmin'), anyValue),
    ssl: fc.oneof(
      fc.constantFrom(
        false,
        true,
        { rejectUnauthorized: false },
        { ca: TEST_CA_PEM },
        { ca: 'not a certificate' },
      ),
      anyValue,
    ),
    sslnegotiation: fc.oneof(fc.constantFrom('postgres', 'direct'), anyValue),
    connectionTimeoutMillis: anyValue,
    idleTimeoutMillis: anyValue,
    maxLifetimeSeconds: anyValue,
    application_name: anyValue,
    retry: fc.oneof(
      fc.constant(false),
      fc.dictionary(
        fc.constantFrom(
          'maxAttempts',
          'maxRetries',
          'baseDelayMs',
          'maxDelayMs',
          'deadlineMs',
          'idempotent',
          'exactlyOnce',
          'autocommit',
          'jitterFactor',
          'stratgy',
        ),
        anyValue,
        { maxKeys: 3 },
      ),
      anyValue,
    ),
    routing: fc.oneof(
      fc.dictionary(
        fc.constantFrom(
          'strategy',
          'probeIntervalMs',
          'probeTimeoutMs',
          'failbackAfterMs',
          'discover',
          'stratgy',
        ),
        anyValue,
        { maxKeys: 3 },
      ),
      anyValue,
    ),
    onEvent: fc.oneof(
      fc.constant(() => {}),
      anyValue,
    ),
    max: anyValue,
    statement_timeout: anyValue,
    tokenDurationSecs: fc.option(anyValue, { nil: undefined }),
  },
  { requiredKeys: [] },
)
/** Options an app would write: mostly right, so the fuzz also reaches configs that resolve. */
const plausibleOptions: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    endpoints: fc.oneof(DSQL_HOST, fc.array(DSQL_HOST, { minLength: 1, maxLength: 2 }), endpointList),
    region: REGION,
    port: fc.integer({ min: 1, max: 65_535 }),
    user: fc.constantFrom('admin', 'app'),
    credentials: fc.record({ accessKeyId: fc.constant('AKIDEXAMPLE'), secretAccessKey: secret }),
    tokenTtlSec: fc.integer({ min: 1, max: 604_800 }),
    ssl: fc.constantFrom({ rejectUnauthorized: false }, { ca: TEST_CA_PEM }),
    connectionTimeoutMillis: fc.integer({ min: 0, max: 60_000 }),
    idleTimeoutMillis: fc.integer({ min: 0, max: 60_000 }),
    maxLifetimeSeconds: fc.integer({ min: 0, max: 3600 }),
    retry: fc.record(
      { maxAttempts: fc.integer({ min: 1, max: 20 }), idempotent: fc.boolean() },
      { requiredKeys: [] },
    ),
    routing: fc.record(
      {
        strategy: fc.constantFrom('latency', 'local-first', 'ordered'),
        probeIntervalMs: fc.integer({ min: 100, max: 60_000 }),
      },
      { requiredKeys: [] },
    ),
    max: fc.integer({ min: 1, max: 100 }),
  },
  { requiredKeys: ['endpoints'] },
)
const optionsArbitrary = fc.oneof(plausibleOptions, wildOptions)

/** Reads only the test CA; every other path does not exist. */
function readFile(path: string): string {
  if (path === '/ca.pem') return TEST_CA_PEM
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' })
}

const MAX_TIMER_MS = 2 ** 31 - 1

/** What makes a resolved config valid: complete, in range, frozen, secrets hidden. */
function invalidities(config: ResolvedConfig): string[] {
  const problems: string[] = []
  const check = (ok: boolean, what: string) => ok || problems.push(what)
  check(
    Object.isFrozen(config) && Object.isFrozen(config.endpoints) && Object.isFrozen(config.pgOptions),
    'not frozen',
  )
  check(config.ssl === false || Object.isFrozen(config.ssl), 'ssl not frozen')
  check(config.endpoints.length > 0, 'no endpoint')
  for (const endpoint of config.endpoints) {
    check(Object.isFrozen(endpoint), 'an endpoint is not frozen')
    check(typeof endpoint.host === 'string' && endpoint.host !== '', `endpoint host ${endpoint.host}`)
    check(
      typeof endpoint.address === 'string' && endpoint.address !== '',
      `endpoint address ${endpoint.address}`,
    )
    check(
      Number.isInteger(endpoint.port) && endpoint.port >= 1 && endpoint.port <= 65_535,
      `port ${endpoint.port}`,
    )
    check(/^[a-z]{2}(-[a-z]+)+-\d+$/.test(endpoint.region), `region ${endpoint.region}`)
  }
  check(
    Number.isInteger(config.tokenTtlSec) && config.tokenTtlSec >= 1 && config.tokenTtlSec <= 604_800,
    `tokenTtlSec ${config.tokenTtlSec}`,
  )
  for (const [name, ms] of [
    ['connectTimeoutMs', config.connectTimeoutMs],
    ['idleTimeoutMillis', config.idleTimeoutMillis],
    ['maxLifetimeSeconds × 1000', config.maxLifetimeSeconds * 1000],
  ] as const) {
    check(Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMER_MS, `${name} ${ms}`)
  }
  check(['DbConnect', 'DbConnectAdmin'].includes(config.tokenAction), `tokenAction ${config.tokenAction}`)
  check(!Object.keys(config).includes('credentials'), 'credentials enumerable')
  check(!('password' in config.pgOptions), 'a password in pgOptions')
  if (config.credentials.kind === 'environment') {
    const expiration = config.credentials.identity.expiration
    check(
      expiration === undefined || Number.isFinite(expiration.getTime()),
      'credential expiration is an invalid date',
    )
  }
  return problems
}

/** Resolves, and says what came out: a config error, a valid config, or what should never happen. */
function outcome(input: Record<string, unknown> | string | undefined, env: DsqlEnv): string {
  const started = performance.now()
  let text: string
  try {
    const config = resolveConfig(input, env, { readFile })
    const problems = invalidities(config)
    const shown = `${JSON.stringify(config, (_k, v) => (typeof v === 'bigint' ? String(v) : v))} ${inspect(config, { depth: 5 })}`
    if (shown.includes(SECRET_MARK)) problems.push('a secret in the config as logged')
    text = problems.length === 0 ? 'valid' : `invalid config: ${problems.join('; ')}`
  } catch (error) {
    if (!(error instanceof DsqlConfigError)) {
      text = `not a DsqlConfigError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
    } else if (typeof error.option !== 'string' || error.option === '') {
      text = 'a DsqlConfigError that names no setting'
    } else if (`${error.message} ${inspect(error, { depth: null })}`.includes(SECRET_MARK)) {
      text = `a secret in the error: ${error.message}`
    } else {
      text = 'config error'
    }
  }
  if (performance.now() - started > HANG_MS) text = 'hang'
  return text
}

const ALLOWED = ['valid', 'config error']

describe('resolveConfig under random input', () => {
  it.each([
    ['environment variables', fc.tuple(fc.constant(undefined), envArbitrary)],
    [
      'DATABASE_URL, whole and truncated',
      fc.tuple(
        fc.constant(undefined),
        fc.oneof(url, truncatedUrl).map((u) => ({ DATABASE_URL: u })),
      ),
    ],
    ['connectionString given as the whole config', fc.tuple(fc.oneof(url, truncatedUrl), fc.constant({}))],
    [
      'DSQL_ENDPOINTS strings',
      fc.tuple(
        fc.constant(undefined),
        endpointList.map((e) => ({ DSQL_ENDPOINTS: e, AWS_REGION: 'us-east-1' })),
      ),
    ],
    [
      'option objects, over no environment or a random one',
      fc.tuple(optionsArbitrary, fc.oneof(fc.constant({}), envArbitrary)),
    ],
  ] as const)(
    'yields a DsqlConfigError or a valid frozen config for %s, with no secret shown',
    (_what, arbitrary) => {
      const seen = new Map<string, number>()
      fc.assert(
        fc.property(
          arbitrary as fc.Arbitrary<[Record<string, unknown> | string | undefined, DsqlEnv]>,
          ([input, env]) => {
            const result = outcome(input, env)
            seen.set(result, (seen.get(result) ?? 0) + 1)
            if (!ALLOWED.includes(result)) throw new Error(result)
          },
        ),
        settings,
      )
      // Both outcomes occur, so the generators reach past the first check.
      expect([...seen.keys()].sort()).toEqual(ALLOWED.slice().sort())
    },
  )
})
