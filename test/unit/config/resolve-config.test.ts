import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../../src/config/index.js'
import { DsqlConfigError } from '../../../src/errors/index.js'
import { VERSION } from '../../../src/version.js'
import { TEST_CA_PEM } from '../../support/test-ca.js'

const ID = 'abcdefghijklmnopqrstuvwxyz'
const EAST1 = `${ID}.dsql.us-east-1.on.aws`
const EAST2 = 'zyxwvutsrqponmlkjihgfedcba.dsql.us-east-2.on.aws'
const noFiles = (path: string): never => {
  throw Object.assign(new Error(`no such file ${path}`), { code: 'ENOENT' })
}

function resolve(options: Record<string, unknown> | string | undefined, env: Record<string, string> = {}) {
  return resolveConfig(options, env, { readFile: noFiles })
}

function configError(run: () => unknown): DsqlConfigError {
  try {
    run()
  } catch (error) {
    if (error instanceof DsqlConfigError) return error
    throw error
  }
  throw new Error('expected a DsqlConfigError')
}

describe('resolveConfig', () => {
  it('fills DSQL defaults from one endpoint host', () => {
    const config = resolve({ endpoints: EAST1 })
    expect(config.endpoints).toEqual([{ host: EAST1, address: EAST1, port: 5432, region: 'us-east-1' }])
    expect(config).toMatchObject({
      user: 'admin',
      database: 'postgres',
      tokenAction: 'DbConnectAdmin',
      tokenTtlSec: 900,
      applicationName: `pg-dsql/${VERSION}`,
      connectTimeoutMs: 5000,
      maxLifetimeSeconds: 3300,
      idleTimeoutMillis: 10000,
      ssl: { rejectUnauthorized: true },
    })
    expect(config.credentials).toEqual({ kind: 'default' })
  })

  it('returns a frozen config whose credentials do not enumerate', () => {
    const identity = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'very-secret' }
    const config = resolve({ endpoints: EAST1, credentials: identity })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.endpoints[0])).toBe(true)
    expect(Object.keys(config)).not.toContain('credentials')
    expect(JSON.stringify(config)).not.toContain('very-secret')
    expect(config.credentials).toEqual({ kind: 'identity', identity })
    expect(Object.isFrozen(identity)).toBe(false)
  })

  it.each([
    [
      'a bare cluster id and region',
      { endpoints: ID, region: 'us-east-2' },
      {},
      `${ID}.dsql.us-east-2.on.aws`,
      'us-east-2',
    ],
    [
      'a bare cluster id and AWS_REGION',
      { endpoints: ID },
      { AWS_REGION: 'eu-west-1' },
      `${ID}.dsql.eu-west-1.on.aws`,
      'eu-west-1',
    ],
    [
      'a bare cluster id and AWS_DEFAULT_REGION',
      { endpoints: ID },
      { AWS_DEFAULT_REGION: 'ap-northeast-1' },
      `${ID}.dsql.ap-northeast-1.on.aws`,
      'ap-northeast-1',
    ],
    ['a host over AWS_REGION', { endpoints: EAST2 }, { AWS_REGION: 'us-east-1' }, EAST2, 'us-east-2'],
    [
      'a custom host with region',
      { host: 'db.internal.example.com', region: 'us-west-2' },
      {},
      'db.internal.example.com',
      'us-west-2',
    ],
    [
      'a stage host',
      { host: `${ID}.dsql-gamma.us-west-2.on.aws` },
      {},
      `${ID}.dsql-gamma.us-west-2.on.aws`,
      'us-west-2',
    ],
  ])('settles %s', (_name, options, env, host, region) => {
    const [endpoint] = resolve(options, env).endpoints
    expect(endpoint).toMatchObject({ host, region })
  })

  it.each([
    ['endpoints option', { endpoints: EAST1, host: EAST2 }, { DSQL_ENDPOINTS: EAST2 }, [EAST1]],
    [
      'host option',
      { host: EAST1 },
      { DSQL_ENDPOINTS: EAST2, DATABASE_URL: `postgres://admin@${EAST2}/postgres` },
      [EAST1],
    ],
    [
      'connectionString',
      { connectionString: `postgres://admin@${EAST1}/postgres` },
      { DSQL_ENDPOINTS: EAST2 },
      [EAST1],
    ],
    [
      'DSQL_ENDPOINTS',
      {},
      {
        DSQL_ENDPOINTS: `${EAST1}, ${EAST2}`,
        DSQL_ENDPOINT: EAST2,
        DATABASE_URL: `postgres://admin@${ID}.dsql.eu-west-1.on.aws/postgres`,
        PGHOST: EAST2,
      },
      [EAST1, EAST2],
    ],
    [
      'DSQL_ENDPOINT',
      {},
      { DSQL_ENDPOINT: EAST1, DATABASE_URL: `postgres://admin@${EAST2}/postgres`, PGHOST: EAST2 },
      [EAST1],
    ],
    ['DATABASE_URL', {}, { DATABASE_URL: `postgres://admin@${EAST1}/postgres`, PGHOST: EAST2 }, [EAST1]],
    ['PGHOST', {}, { PGHOST: EAST1 }, [EAST1]],
  ])('takes endpoints from the %s first', (_name, options, env, hosts) => {
    expect(resolve(options, env).endpoints.map((endpoint) => endpoint.host)).toEqual(hosts)
  })

  it('resolves retry and routing completely, with DSQL_ROUTING as the strategy the option leaves out', () => {
    const config = resolve(
      { endpoints: [EAST1, EAST2], retry: { maxAttempts: 4 }, routing: { probeIntervalMs: 2000 } },
      { DSQL_ROUTING: 'local-first' },
    )
    expect(config.retry).toMatchObject({ maxAttempts: 4, baseDelayMs: 10, autocommit: true })
    expect(config.routing).toEqual({
      strategy: 'local-first',
      probeIntervalMs: 2000,
      probeTimeoutMs: 1000,
      failbackAfterMs: 1500,
      discover: false,
    })
    expect(Object.isFrozen(config.retry)).toBe(true)
    expect(Object.isFrozen(config.routing)).toBe(true)
    const named = resolve({ endpoints: EAST1, routing: { strategy: 'ordered' } }, { DSQL_ROUTING: 'latency' })
    expect(named.routing.strategy).toBe('ordered')
    expect(resolve({ endpoints: EAST1, retry: false }).retry).toMatchObject({
      maxAttempts: 1,
      autocommit: false,
    })
  })

  it.each(['localhost', '127.0.0.1', '::1'])(
    'takes an ORM default host %s as unset when DSQL endpoints are in the environment',
    (host) => {
      const endpoints = resolve({ host, port: 5432 }, { DSQL_ENDPOINTS: `${EAST1}@127.0.0.1:7001` }).endpoints
      expect(endpoints).toEqual([{ host: EAST1, address: '127.0.0.1', port: 7001, region: 'us-east-1' }])
    },
  )

  it('keeps a host that is not a loopback default, and a loopback one when nothing else names an endpoint', () => {
    expect(resolve({ host: EAST2 }, { DSQL_ENDPOINTS: EAST1 }).endpoints[0]?.host).toBe(EAST2)
    expect(() => resolve({ host: 'localhost' })).toThrow(DsqlConfigError)
  })

  it('sends TCP to the address of host@address:port while keeping the host for tokens and TLS', () => {
    const config = resolve({}, { DSQL_ENDPOINTS: `${EAST1}@127.0.0.1:15432,${EAST2}@[::1]:15433` })
    expect(config.endpoints).toEqual([
      { host: EAST1, address: '127.0.0.1', port: 15432, region: 'us-east-1' },
      { host: EAST2, address: '::1', port: 15433, region: 'us-east-2' },
    ])
  })

  it('reads hostaddr from a URL as the TCP address', () => {
    const config = resolve({ connectionString: `postgres://${EAST1}:6543/postgres?hostaddr=10.0.0.7` })
    expect(config.endpoints).toEqual([{ host: EAST1, address: '10.0.0.7', port: 6543, region: 'us-east-1' }])
  })

  it.each([
    ['user', { user: 'app' }, { PGUSER: 'env' }, 'connectionString', 'app'],
    ['user', {}, { PGUSER: 'env' }, 'connectionString', 'url'],
    ['user', {}, { PGUSER: 'env' }, undefined, 'env'],
    ['database', { database: 'opt' }, { PGDATABASE: 'env' }, 'connectionString', 'opt'],
    ['database', {}, { PGDATABASE: 'env' }, 'connectionString', 'urldb'],
    ['database', {}, { PGDATABASE: 'env' }, undefined, 'env'],
    ['applicationName', { application_name: 'opt' }, { PGAPPNAME: 'env' }, 'connectionString', 'opt'],
    ['applicationName', {}, { PGAPPNAME: 'env' }, 'connectionString', 'urlapp'],
    ['applicationName', {}, { PGAPPNAME: 'env' }, undefined, 'env'],
    ['tokenTtlSec', { tokenTtlSec: 60 }, { DSQL_TOKEN_TTL: '120' }, 'connectionString', 60],
    ['tokenTtlSec', {}, { DSQL_TOKEN_TTL: '120' }, 'connectionString', 300],
    ['tokenTtlSec', {}, { DSQL_TOKEN_TTL: '120' }, undefined, 120],
    [
      'connectTimeoutMs',
      { connectionTimeoutMillis: 1500 },
      { PGCONNECT_TIMEOUT: '9' },
      'connectionString',
      1500,
    ],
    ['connectTimeoutMs', {}, { PGCONNECT_TIMEOUT: '9' }, 'connectionString', 7000],
    ['connectTimeoutMs', {}, { PGCONNECT_TIMEOUT: '9' }, undefined, 9000],
  ])('resolves %s by option > URL > env (%j)', (field, options, env, withUrl, expected) => {
    const url = `postgres://url@${EAST1}/urldb?application_name=urlapp&tokenTtlSec=300&connect_timeout=7`
    const config = resolve(
      withUrl === undefined ? { ...options, endpoints: EAST1 } : { ...options, connectionString: url },
      env,
    )
    expect(config[field as keyof typeof config]).toBe(expected)
  })

  it.each([
    ['admin', 'auto', 'DbConnectAdmin'],
    ['app', 'auto', 'DbConnect'],
    ['app', 'DbConnectAdmin', 'DbConnectAdmin'],
    ['admin', 'DbConnect', 'DbConnect'],
  ])('signs for user %s with tokenAction %s as %s', (user, tokenAction, expected) => {
    expect(resolve({ endpoints: EAST1, user, tokenAction }).tokenAction).toBe(expected)
  })

  it.each([
    [{ endpoints: EAST1 }, { AWS_PROFILE: 'dev' }, { kind: 'profile', profile: 'dev', from: 'AWS_PROFILE' }],
    [
      { endpoints: EAST1, profile: 'prod' },
      { AWS_PROFILE: 'dev' },
      { kind: 'profile', profile: 'prod', from: 'profile' },
    ],
    [
      { connectionString: `postgres://${EAST1}/postgres?profile=url` },
      { AWS_PROFILE: 'dev' },
      { kind: 'profile', profile: 'url', from: 'connectionString parameter profile' },
    ],
  ])('chooses the credentials profile by precedence (%j, %j)', (options, env, expected) => {
    expect(resolve(options, env).credentials).toEqual(expected)
  })

  it('prefers explicit credentials over AWS_PROFILE and keeps a provider as given', () => {
    const provider = async () => ({ accessKeyId: 'a', secretAccessKey: 'b' })
    expect(resolve({ endpoints: EAST1, credentials: provider }, { AWS_PROFILE: 'dev' }).credentials).toEqual({
      kind: 'provider',
      provider,
    })
  })

  it('takes AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY first, as the SDK chain does, unless a profile is named', () => {
    const keys = {
      AWS_ACCESS_KEY_ID: 'AKIDENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_SESSION_TOKEN: 'env-session',
      AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00Z',
    }
    const config = resolve({ endpoints: EAST1 }, keys)
    expect(config.credentials).toEqual({
      kind: 'environment',
      identity: {
        accessKeyId: 'AKIDENV',
        secretAccessKey: 'env-secret',
        sessionToken: 'env-session',
        expiration: new Date('2030-01-01T00:00:00Z'),
      },
    })
    expect(JSON.stringify(config)).not.toContain('env-secret')
    expect(resolve({ endpoints: EAST1 }, { ...keys, AWS_PROFILE: 'dev' }).credentials).toMatchObject({
      kind: 'profile',
      profile: 'dev',
    })
    expect(resolve({ endpoints: EAST1 }, { AWS_ACCESS_KEY_ID: 'AKIDENV' }).credentials).toEqual({
      kind: 'default',
    })
  })

  it('passes pg options it does not own through, URL parameters below options', () => {
    const config = resolve({
      connectionString: `postgres://${EAST1}/postgres?options=-c%20search_path%3Durl&client_encoding=UTF8`,
      options: '-c search_path=app',
      max: 20,
      statement_timeout: undefined,
    })
    expect(config.pgOptions).toEqual({ options: '-c search_path=app', client_encoding: 'UTF8', max: 20 })
  })

  describe('TLS', () => {
    it('verifies by default and reads PGSSLROOTCERT', () => {
      const config = resolveConfig(
        { endpoints: EAST1 },
        { PGSSLROOTCERT: '/ca.pem' },
        { readFile: () => TEST_CA_PEM },
      )
      expect(config.ssl).toEqual({ rejectUnauthorized: true, ca: TEST_CA_PEM })
    })

    it.each([
      ['not PEM at all', 'hello', /holds no PEM certificate/],
      [
        'a PEM block that is not a certificate',
        '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
        /unreadable certificate \(number 1\)/,
      ],
    ])('refuses a PGSSLROOTCERT that holds %s, naming it', (_name, content, message) => {
      const error = configError(() =>
        resolveConfig({ endpoints: EAST1 }, { PGSSLROOTCERT: '/bad.pem' }, { readFile: () => content }),
      )
      expect(error.option).toBe('PGSSLROOTCERT')
      expect(error.message).toMatch(message)
      expect(error.message).toContain('/bad.pem')
    })

    it.each(['require', 'prefer', 'verify-ca', 'verify-full'])(
      'still verifies with sslmode=%s in a URL',
      (mode) => {
        const config = resolve({ connectionString: `postgres://${EAST1}/postgres?sslmode=${mode}` })
        expect(config.ssl).toEqual({ rejectUnauthorized: true })
      },
    )

    it.each([
      [{ endpoints: EAST1, ssl: { rejectUnauthorized: false } }, {}],
      [{ connectionString: `postgres://${EAST1}/postgres?sslmode=no-verify` }, {}],
      [{ endpoints: EAST1 }, { PGSSLMODE: 'no-verify' }],
    ])('skips verification only when told explicitly (%j %j)', (options, env) => {
      expect(resolve(options, env).ssl).toMatchObject({ rejectUnauthorized: false })
    })

    it('allows plaintext with ssl: false on a loopback address', () => {
      expect(resolve({ endpoints: `${EAST1}@127.0.0.1:5432`, ssl: false }).ssl).toBe(false)
    })

    it('rejects plaintext to a remote address and names the setting', () => {
      const error = configError(() => resolve({ endpoints: EAST1 }, { PGSSLMODE: 'disable' }))
      expect(error.option).toBe('PGSSLMODE')
      expect(error.message).toContain(EAST1)
    })

    it('keeps the user ssl object intact and copies it', () => {
      const ssl = { ca: 'MINE', minVersion: 'TLSv1.3' as const }
      const config = resolve({ endpoints: EAST1, ssl }, { PGSSLROOTCERT: '/ignored.pem' })
      expect(config.ssl).toEqual({ ca: 'MINE', minVersion: 'TLSv1.3', rejectUnauthorized: true })
      expect(config.ssl).not.toBe(ssl)
      expect(Object.isFrozen(ssl)).toBe(false)
    })

    it('passes sslnegotiation direct through', () => {
      expect(resolve({ endpoints: EAST1 }, { PGSSLNEGOTIATION: 'direct' }).sslnegotiation).toBe('direct')
    })
  })

  describe('bad input', () => {
    it.each([
      ['no endpoint anywhere', {}, {}, 'endpoints', /No DSQL endpoint is configured/],
      ['a short cluster id', { endpoints: 'abc' }, {}, 'endpoints', /exactly 26 lowercase/],
      ['a cluster id without a Region', { endpoints: ID }, {}, 'region', /No AWS Region for the cluster id/],
      [
        'a malformed host@address:port',
        {},
        { DSQL_ENDPOINTS: `${EAST1}@::1:5432` },
        'DSQL_ENDPOINTS',
        /brackets/,
      ],
      ['a port out of range', {}, { DSQL_ENDPOINTS: `${EAST1}@127.0.0.1:70000` }, 'DSQL_ENDPOINTS', /65535/],
      ['an address before @', { endpoints: '10.0.0.1' }, {}, 'endpoints', /not an address/],
      ['a duplicate endpoint', { endpoints: [EAST1, EAST1] }, {}, 'endpoints', /listed twice/],
      [
        'a Region that conflicts with the host',
        { endpoints: EAST1, region: 'us-east-2' },
        {},
        'region',
        /is in us-east-1/,
      ],
      ['a malformed Region', { endpoints: ID, region: 'virginia' }, {}, 'region', /not an AWS Region/],
      ['a TTL above a week', { endpoints: EAST1, tokenTtlSec: 604801 }, {}, 'tokenTtlSec', /1 to 604800/],
      [
        'a fractional TTL from the env',
        { endpoints: EAST1 },
        { DSQL_TOKEN_TTL: '1.5' },
        'DSQL_TOKEN_TTL',
        /from DSQL_TOKEN_TTL/,
      ],
      [
        'an unknown tokenAction',
        { endpoints: EAST1, tokenAction: 'Admin' },
        {},
        'tokenAction',
        /"auto", "DbConnect"/,
      ],
      [
        'credentials and profile together',
        { endpoints: EAST1, profile: 'p', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
        {},
        'credentials',
        /both set/,
      ],
      [
        'credentials without a secret',
        { endpoints: EAST1, credentials: { accessKeyId: 'a' } },
        {},
        'credentials',
        /accessKeyId, secretAccessKey/,
      ],
      ['a password', { endpoints: EAST1, password: 'hunter2' }, {}, 'password', /IAM tokens/],
      [
        'an AWS connector option name',
        { endpoints: EAST1, tokenDurationSecs: 60 },
        {},
        'tokenDurationSecs',
        /use tokenTtlSec/,
      ],
      ['an ORM name for user', { endpoints: EAST1, username: 'app' }, {}, 'username', /use user instead/],
      [
        'a password in the URL query',
        { connectionString: `postgres://admin@${EAST1}/postgres?password=hunter2` },
        {},
        'connectionString',
        /password parameter/,
      ],
      [
        'a password in DATABASE_URL query',
        {},
        { DATABASE_URL: `postgres://admin@${EAST1}/postgres?sslmode=verify-full&password=hunter2` },
        'DATABASE_URL',
        /password parameter/,
      ],
      [
        'a connect timeout a timer cannot hold',
        { endpoints: EAST1, connectionTimeoutMillis: 3e9 },
        {},
        'connectionTimeoutMillis',
        /2147483647/,
      ],
      [
        'an idle timeout a timer cannot hold',
        { endpoints: EAST1, idleTimeoutMillis: 1e10 },
        {},
        'idleTimeoutMillis',
        /2147483647/,
      ],
      ['a boolean port', { endpoints: EAST1, port: true }, {}, 'port', /whole number from 1 to 65535/],
      ['a hexadecimal PGPORT', { endpoints: EAST1 }, { PGPORT: '0x10' }, 'PGPORT', /whole number/],
      ['a boolean tokenTtlSec', { endpoints: EAST1, tokenTtlSec: true }, {}, 'tokenTtlSec', /whole seconds/],
      ['an array tokenTtlSec', { endpoints: EAST1, tokenTtlSec: [600] }, {}, 'tokenTtlSec', /whole seconds/],
      [
        'a hexadecimal DSQL_TOKEN_TTL',
        { endpoints: EAST1 },
        { DSQL_TOKEN_TTL: '0x20' },
        'DSQL_TOKEN_TTL',
        /whole seconds/,
      ],
      [
        'a fractional PGCONNECT_TIMEOUT',
        { endpoints: EAST1 },
        { PGCONNECT_TIMEOUT: '2.5' },
        'PGCONNECT_TIMEOUT',
        /whole seconds/,
      ],
      [
        'junk after @',
        { endpoints: `${EAST1}@not an address!:5432` },
        {},
        'endpoints',
        /is not a host name or an IP address/,
      ],
      [
        'a retry delay a timer cannot hold',
        { endpoints: EAST1, retry: { baseDelayMs: 1e10, maxDelayMs: 1e10 } },
        {},
        'retry.baseDelayMs',
        /non-negative number of milliseconds/,
      ],
      [
        'a lifetime past DSQL 60 minutes',
        { endpoints: EAST1, maxLifetimeSeconds: 4000 },
        {},
        'maxLifetimeSeconds',
        /3600/,
      ],
      ['an unknown sslmode', { endpoints: EAST1 }, { PGSSLMODE: 'strict' }, 'PGSSLMODE', /not an sslmode/],
      [
        'an unreadable CA file',
        { endpoints: EAST1 },
        { PGSSLROOTCERT: '/missing.pem' },
        'PGSSLROOTCERT',
        /ENOENT/,
      ],
      [
        'a bad sslnegotiation',
        { endpoints: EAST1, sslnegotiation: 'fast' },
        {},
        'sslnegotiation',
        /"postgres" or "direct"/,
      ],
      [
        'a URL with a password',
        { connectionString: `postgres://admin:tok@${EAST1}/postgres` },
        {},
        'connectionString',
        /contains a password/,
      ],
      ['a non-postgres URL', {}, { DATABASE_URL: `mysql://${EAST1}/db` }, 'DATABASE_URL', /scheme "mysql:"/],
      [
        'a negative connect timeout',
        { endpoints: EAST1, connectionTimeoutMillis: -1 },
        {},
        'connectionTimeoutMillis',
        /milliseconds from 0 to 2147483647/,
      ],
      [
        'an unknown routing strategy',
        { endpoints: [EAST1, EAST2], routing: { strategy: 'bogus' } },
        {},
        'routing.strategy',
        /"latency" \(the default\), "local-first" or "ordered"/,
      ],
      [
        'an unknown DSQL_ROUTING',
        { endpoints: [EAST1, EAST2] },
        { DSQL_ROUTING: 'bogus' },
        'DSQL_ROUTING',
        /DSQL_ROUTING is "bogus"/,
      ],
      [
        'a misspelt routing option',
        { endpoints: EAST1, routing: { stratgy: 'ordered' } },
        {},
        'routing.stratgy',
        /not an option of routing/,
      ],
      [
        'a probe interval too short',
        { endpoints: EAST1, routing: { probeIntervalMs: 5 } },
        {},
        'routing.probeIntervalMs',
        /from 100 to 2147483647 milliseconds/,
      ],
      [
        'a negative attempt count',
        { endpoints: EAST1, retry: { maxAttempts: -3 } },
        {},
        'retry.maxAttempts',
        /1 to 1000/,
      ],
      [
        'a misspelt retry option',
        { endpoints: EAST1, retry: { maxAttempt: 3 } },
        {},
        'retry.maxAttempt',
        /not an option of retry/,
      ],
      ['retry that is not an object', { endpoints: EAST1, retry: 3 }, {}, 'retry', /object of retry options/],
      [
        'an onEvent that is not a function',
        { endpoints: EAST1, onEvent: 'log' },
        {},
        'onEvent',
        /must be a function/,
      ],
    ])('rejects %s with a DsqlConfigError naming the setting', (_name, options, env, option, message) => {
      const error = configError(() => resolve(options, env))
      expect(error.option).toBe(option)
      expect(error.message).toMatch(message)
      expect(error.code).toBe('ERR_DSQL_CONFIG')
    })

    it('never quotes a URL password in its message', () => {
      const error = configError(() =>
        resolve({ connectionString: `postgres://admin:s3cr3t-token@${EAST1}/postgres` }),
      )
      expect(error.message).not.toContain('s3cr3t-token')
    })
  })
})
