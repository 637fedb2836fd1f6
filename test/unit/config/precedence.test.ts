import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { type ResolvedConfig, resolveConfig } from '../../../src/config/index.js'
import { TEST_CA_PEM } from '../../support/test-ca.js'

// The precedence table, field by field, as data: each field's sources, first wins. The same
// table is in the README ("Precedence"); a test below keeps the two equal.

const ID = 'abcdefghijklmnopqrstuvwxyz'
const host = (region: string) => `${ID}.dsql.${region}.on.aws`

interface UrlParts {
  host?: string
  port?: string
  user?: string
  database?: string
  params: Record<string, string>
}

/** What one resolution gets: options, the two URLs (built at the end) and env. */
interface Input {
  options: Record<string, unknown>
  connectionString: UrlParts | undefined
  databaseUrl: UrlParts | undefined
  env: Record<string, string>
}

interface Source {
  /** As the README names it. */
  readonly name: string
  readonly set: (input: Input) => void
  /** What the field resolves to when this source wins. */
  readonly expected: unknown
}

interface Field {
  readonly field: string
  /** Sources in precedence order, the default last. */
  readonly sources: readonly Source[]
  readonly read: (config: ResolvedConfig) => unknown
  /** Settings every case of this field needs (an endpoint, say). */
  readonly base?: (input: Input) => void
}

const cs = (input: Input): UrlParts => {
  input.connectionString ??= { params: {} }
  return input.connectionString
}
const db = (input: Input): UrlParts => {
  input.databaseUrl ??= { params: {} }
  return input.databaseUrl
}
const option =
  (name: string, value: unknown) =>
  (input: Input): void => {
    input.options[name] = value
  }
const env =
  (name: string, value: string) =>
  (input: Input): void => {
    input.env[name] = value
  }
const byDefault = (expected: unknown): Source => ({ name: 'default', set: () => undefined, expected })
const withEndpoint = (input: Input) => {
  input.options.endpoints ??= host('us-east-1')
}
/** CA files are read through a stub that returns the path, so the winner shows in `ssl.ca`. */
const readFile = (path: string) => `${TEST_CA_PEM}# CA from ${path}\n`

const PRECEDENCE: readonly Field[] = [
  {
    field: 'endpoints',
    read: (config) => config.endpoints[0]?.host,
    sources: [
      { name: '`endpoints`', set: option('endpoints', host('us-east-1')), expected: host('us-east-1') },
      { name: '`host`', set: option('host', host('us-east-2')), expected: host('us-east-2') },
      {
        name: '`connectionString` host',
        set: (input) => {
          cs(input).host = host('us-west-1')
        },
        expected: host('us-west-1'),
      },
      {
        name: '`DSQL_ENDPOINTS`',
        set: env('DSQL_ENDPOINTS', host('us-west-2')),
        expected: host('us-west-2'),
      },
      { name: '`DSQL_ENDPOINT`', set: env('DSQL_ENDPOINT', host('eu-west-1')), expected: host('eu-west-1') },
      {
        name: '`DATABASE_URL` host',
        set: (input) => {
          db(input).host = host('eu-west-2')
        },
        expected: host('eu-west-2'),
      },
      { name: '`PGHOST`', set: env('PGHOST', host('eu-west-3')), expected: host('eu-west-3') },
    ],
  },
  {
    field: 'region (of a bare cluster id)',
    base: option('endpoints', ID),
    read: (config) => config.endpoints[0]?.region,
    sources: [
      { name: '`region`', set: option('region', 'us-east-1'), expected: 'us-east-1' },
      {
        name: '`connectionString` `region`',
        set: (input) => {
          cs(input).params.region = 'us-east-2'
        },
        expected: 'us-east-2',
      },
      {
        name: '`DATABASE_URL` `region`',
        set: (input) => {
          db(input).params.region = 'us-west-1'
        },
        expected: 'us-west-1',
      },
      { name: '`AWS_REGION`', set: env('AWS_REGION', 'us-west-2'), expected: 'us-west-2' },
      { name: '`AWS_DEFAULT_REGION`', set: env('AWS_DEFAULT_REGION', 'eu-west-1'), expected: 'eu-west-1' },
    ],
  },
  {
    field: 'port',
    base: withEndpoint,
    read: (config) => config.endpoints[0]?.port,
    sources: [
      { name: '`port`', set: option('port', 6001), expected: 6001 },
      {
        name: '`connectionString` port',
        set: (input) => {
          cs(input).port = '6002'
        },
        expected: 6002,
      },
      {
        name: '`DATABASE_URL` port',
        set: (input) => {
          db(input).port = '6003'
        },
        expected: 6003,
      },
      { name: '`PGPORT`', set: env('PGPORT', '6004'), expected: 6004 },
      byDefault(5432),
    ],
  },
  {
    field: 'user',
    base: withEndpoint,
    read: (config) => config.user,
    sources: [
      { name: '`user`', set: option('user', 'u1'), expected: 'u1' },
      {
        name: '`connectionString` user',
        set: (input) => {
          cs(input).user = 'u2'
        },
        expected: 'u2',
      },
      {
        name: '`DATABASE_URL` user',
        set: (input) => {
          db(input).user = 'u3'
        },
        expected: 'u3',
      },
      { name: '`PGUSER`', set: env('PGUSER', 'u4'), expected: 'u4' },
      byDefault('admin'),
    ],
  },
  {
    field: 'database',
    base: withEndpoint,
    read: (config) => config.database,
    sources: [
      { name: '`database`', set: option('database', 'd1'), expected: 'd1' },
      {
        name: '`connectionString` path',
        set: (input) => {
          cs(input).database = 'd2'
        },
        expected: 'd2',
      },
      {
        name: '`DATABASE_URL` path',
        set: (input) => {
          db(input).database = 'd3'
        },
        expected: 'd3',
      },
      { name: '`PGDATABASE`', set: env('PGDATABASE', 'd4'), expected: 'd4' },
      byDefault('postgres'),
    ],
  },
  {
    field: 'tokenTtlSec',
    base: withEndpoint,
    read: (config) => config.tokenTtlSec,
    sources: [
      { name: '`tokenTtlSec`', set: option('tokenTtlSec', 101), expected: 101 },
      {
        name: '`connectionString` `tokenTtlSec`',
        set: (input) => {
          cs(input).params.tokenTtlSec = '102'
        },
        expected: 102,
      },
      { name: '`DSQL_TOKEN_TTL`', set: env('DSQL_TOKEN_TTL', '103'), expected: 103 },
      {
        name: '`DATABASE_URL` `tokenTtlSec`',
        set: (input) => {
          db(input).params.tokenTtlSec = '104'
        },
        expected: 104,
      },
      byDefault(900),
    ],
  },
  {
    field: 'tokenAction',
    base: withEndpoint,
    read: (config) => config.tokenAction,
    sources: [
      { name: '`tokenAction`', set: option('tokenAction', 'DbConnect'), expected: 'DbConnect' },
      {
        name: '`connectionString` `tokenAction`',
        set: (input) => {
          cs(input).params.tokenAction = 'DbConnectAdmin'
        },
        expected: 'DbConnectAdmin',
      },
      {
        name: '`DATABASE_URL` `tokenAction`',
        set: (input) => {
          db(input).params.tokenAction = 'DbConnect'
        },
        expected: 'DbConnect',
      },
      byDefault('DbConnectAdmin'),
    ],
  },
  {
    field: 'sslmode',
    // Loopback, so turning TLS off is allowed and its winner shows.
    base: option('endpoints', `${host('us-east-1')}@127.0.0.1`),
    read: (config) =>
      config.ssl === false ? 'disable' : config.ssl.rejectUnauthorized ? 'verify' : 'no-verify',
    sources: [
      { name: '`ssl: false`', set: option('ssl', false), expected: 'disable' },
      {
        name: '`connectionString` `sslmode`',
        set: (input) => {
          cs(input).params.sslmode = 'no-verify'
        },
        expected: 'no-verify',
      },
      {
        name: '`DATABASE_URL` `sslmode`',
        set: (input) => {
          db(input).params.sslmode = 'disable'
        },
        expected: 'disable',
      },
      { name: '`PGSSLMODE`', set: env('PGSSLMODE', 'no-verify'), expected: 'no-verify' },
      byDefault('verify'),
    ],
  },
  {
    field: 'sslrootcert',
    base: withEndpoint,
    read: (config) => (config.ssl === false ? undefined : config.ssl.ca),
    sources: [
      { name: '`ssl.ca`', set: option('ssl', { ca: 'CA given' }), expected: 'CA given' },
      {
        name: '`connectionString` `sslrootcert`',
        set: (input) => {
          cs(input).params.sslrootcert = '/cs.pem'
        },
        expected: `${TEST_CA_PEM}# CA from /cs.pem\n`,
      },
      {
        name: '`DATABASE_URL` `sslrootcert`',
        set: (input) => {
          db(input).params.sslrootcert = '/db.pem'
        },
        expected: `${TEST_CA_PEM}# CA from /db.pem\n`,
      },
      {
        name: '`PGSSLROOTCERT`',
        set: env('PGSSLROOTCERT', '/env.pem'),
        expected: `${TEST_CA_PEM}# CA from /env.pem\n`,
      },
      byDefault(undefined),
    ],
  },
  {
    field: 'sslnegotiation',
    base: withEndpoint,
    read: (config) => config.sslnegotiation,
    sources: [
      { name: '`sslnegotiation`', set: option('sslnegotiation', 'direct'), expected: 'direct' },
      {
        name: '`connectionString` `sslnegotiation`',
        set: (input) => {
          cs(input).params.sslnegotiation = 'postgres'
        },
        expected: 'postgres',
      },
      {
        name: '`DATABASE_URL` `sslnegotiation`',
        set: (input) => {
          db(input).params.sslnegotiation = 'direct'
        },
        expected: 'direct',
      },
      { name: '`PGSSLNEGOTIATION`', set: env('PGSSLNEGOTIATION', 'postgres'), expected: 'postgres' },
      byDefault(undefined),
    ],
  },
  {
    field: 'application_name',
    base: withEndpoint,
    read: (config) => config.applicationName,
    sources: [
      { name: '`application_name`', set: option('application_name', 'a1'), expected: 'a1' },
      {
        name: '`connectionString` `application_name`',
        set: (input) => {
          cs(input).params.application_name = 'a2'
        },
        expected: 'a2',
      },
      {
        name: '`DATABASE_URL` `application_name`',
        set: (input) => {
          db(input).params.application_name = 'a3'
        },
        expected: 'a3',
      },
      { name: '`PGAPPNAME`', set: env('PGAPPNAME', 'a4'), expected: 'a4' },
      byDefault(expect.stringMatching(/^pg-dsql\//)),
    ],
  },
  {
    field: 'connect timeout',
    base: withEndpoint,
    read: (config) => config.connectTimeoutMs,
    sources: [
      { name: '`connectionTimeoutMillis`', set: option('connectionTimeoutMillis', 1500), expected: 1500 },
      {
        name: '`connectionString` `connect_timeout`',
        set: (input) => {
          cs(input).params.connect_timeout = '2'
        },
        expected: 2000,
      },
      {
        name: '`DATABASE_URL` `connect_timeout`',
        set: (input) => {
          db(input).params.connect_timeout = '3'
        },
        expected: 3000,
      },
      { name: '`PGCONNECT_TIMEOUT`', set: env('PGCONNECT_TIMEOUT', '4'), expected: 4000 },
      byDefault(5000),
    ],
  },
  {
    field: 'profile',
    base: withEndpoint,
    read: (config) => (config.credentials.kind === 'profile' ? config.credentials.profile : 'default chain'),
    sources: [
      { name: '`profile`', set: option('profile', 'p1'), expected: 'p1' },
      {
        name: '`connectionString` `profile`',
        set: (input) => {
          cs(input).params.profile = 'p2'
        },
        expected: 'p2',
      },
      {
        name: '`DATABASE_URL` `profile`',
        set: (input) => {
          db(input).params.profile = 'p3'
        },
        expected: 'p3',
      },
      { name: '`AWS_PROFILE`', set: env('AWS_PROFILE', 'p4'), expected: 'p4' },
      byDefault('default chain'),
    ],
  },
  {
    field: 'routing strategy',
    base: withEndpoint,
    read: (config) => config.routing.strategy,
    sources: [
      { name: '`routing.strategy`', set: option('routing', { strategy: 'ordered' }), expected: 'ordered' },
      { name: '`DSQL_ROUTING`', set: env('DSQL_ROUTING', 'local-first'), expected: 'local-first' },
      byDefault('latency'),
    ],
  },
]

function url(parts: UrlParts | undefined): string | undefined {
  if (parts === undefined) return undefined
  const query = new URLSearchParams(parts.params).toString()
  const user = parts.user === undefined ? '' : `${parts.user}@`
  const port = parts.port === undefined ? '' : `:${parts.port}`
  // A URL with a user or port needs a host; the field's own endpoint option outranks it.
  return `postgres://${user}${parts.host ?? 'localhost'}${port}/${parts.database ?? ''}${query === '' ? '' : `?${query}`}`
}

function resolveWith(field: Field, sources: readonly Source[]): ResolvedConfig {
  const input: Input = { options: {}, connectionString: undefined, databaseUrl: undefined, env: {} }
  for (const source of sources) source.set(input)
  field.base?.(input)
  const connectionString = url(input.connectionString)
  const databaseUrl = url(input.databaseUrl)
  if (connectionString !== undefined) input.options.connectionString = connectionString
  if (databaseUrl !== undefined) input.env.DATABASE_URL = databaseUrl
  return resolveConfig(input.options, input.env, { readFile })
}

const cases = PRECEDENCE.flatMap((field) =>
  field.sources.map((source, index) => ({ field, source, index, label: `${field.field}: ${source.name}` })),
)

describe('resolveConfig precedence', () => {
  it.each(cases)('takes $label over every source after it', ({ field, source, index }) => {
    // This source and every one below it are set; it must win.
    const config = resolveWith(field, field.sources.slice(index))
    expect(field.read(config)).toEqual(source.expected)
  })

  it('is the table the README shows, row by row', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('### Precedence'))
    const rows = new Map<string, string>()
    for (const line of section.split('\n').slice(1)) {
      if (line.startsWith('#')) break
      const match = /^\| ([^|]+?) \| (.+?) \|$/.exec(line)
      if (match !== null) rows.set(match[1] as string, match[2] as string)
    }
    for (const field of PRECEDENCE) {
      expect(rows.get(field.field), field.field).toBe(field.sources.map((source) => source.name).join(' > '))
    }
    rows.delete('Setting')
    expect([...rows.keys()]).toEqual(PRECEDENCE.map((field) => field.field))
  })
})
