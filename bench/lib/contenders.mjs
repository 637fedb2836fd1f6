// The three contenders, each connecting to one emulator endpoint with IAM tokens and TLS, and the
// instruments that count what they sign, without relying on any contender's own events:
//
// - raw pg: a `pg.Pool` whose password function signs a token with AWS's DsqlSigner on every new
//   connection (what an app writes by hand);
// - AWS's connector (`@aws/aurora-dsql-node-postgres-connector`), with its defaults;
// - ours, `DsqlPool`, with its defaults.
//
// AWS's connector and raw pg dial their `host`, which does not resolve here: they get a `stream`
// whose connect() goes to the emulator's address, so the token and TLS still name the endpoint
// host and all three take the same path. Ours is given `host@address:port`.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { AuroraDSQLPool } from '@aws/aurora-dsql-node-postgres-connector'
import pg from 'pg'
import { DsqlPool } from 'pg-dsql'
import { redirectTo } from './redirect-socket.mjs'

export const CONTENDER_NAMES = ['raw pg', "AWS's connector", 'pg-dsql']

// One copy of the signer serves every contender (it ships only CommonJS to Node, so `import` and
// `require` share it): counting calls on its prototype counts every token any of them signs.
const { DsqlSigner } = createRequire(import.meta.url)('@aws-sdk/dsql-signer')
const signed = { count: 0 }
for (const method of ['getDbConnectAuthToken', 'getDbConnectAdminAuthToken']) {
  const original = DsqlSigner.prototype[method]
  if (original.counted) continue
  DsqlSigner.prototype[method] = function countedSign() {
    signed.count++
    return original.call(this)
  }
  DsqlSigner.prototype[method].counted = true
}

/** Tokens signed by anyone in this process so far. */
export const tokensSigned = () => signed.count

/** A credential provider that counts its calls, as an app's provider chain would be called. */
export function countingProvider(credentials) {
  const provider = async () => {
    provider.calls++
    return { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey }
  }
  provider.calls = 0
  return provider
}

/**
 * Builds the three pools for `endpoint` (`{ host, address, port, region }`); `poolOptions` go to
 * each (`max`, `idleTimeoutMillis`, …). Each has its own counting provider (`.provider`).
 * `names` picks some of them.
 */
export function makeContenders({
  endpoint,
  credentials,
  caCertPath,
  poolOptions = {},
  names = CONTENDER_NAMES,
}) {
  const ca = readFileSync(caCertPath, 'utf8')
  const ssl = { ca, servername: endpoint.host }
  const stream = redirectTo(endpoint.address, endpoint.port)
  const common = { user: 'admin', database: 'postgres', ...poolOptions }
  const rawProvider = countingProvider(credentials)
  const signer = new DsqlSigner({
    hostname: endpoint.host,
    region: endpoint.region,
    credentials: rawProvider,
  })
  const awsProvider = countingProvider(credentials)
  const oursProvider = countingProvider(credentials)
  // Pools are built only for `names`: pg-dsql starts fetching credentials when its pool is built.
  const build = {
    'raw pg': () => ({
      provider: rawProvider,
      pool: new pg.Pool({
        ...common,
        host: endpoint.host,
        port: endpoint.port,
        password: () => signer.getDbConnectAdminAuthToken(),
        ssl,
        stream,
      }),
    }),
    "AWS's connector": () => ({
      provider: awsProvider,
      pool: new AuroraDSQLPool({
        ...common,
        host: endpoint.host,
        port: endpoint.port,
        region: endpoint.region,
        customCredentialsProvider: awsProvider,
        ssl,
        stream,
      }),
    }),
    'pg-dsql': () => ({
      provider: oursProvider,
      pool: new DsqlPool({
        ...common,
        endpoints: `${endpoint.host}@${endpoint.address}:${endpoint.port}`,
        credentials: oursProvider,
        ssl: { ca },
      }),
    }),
  }
  const contenders = Object.fromEntries(names.map((name) => [name, build[name]()]))
  for (const { pool } of Object.values(contenders)) pool.on('error', () => {})
  return contenders
}

/** Ends every contender's pool. */
export async function endContenders(contenders) {
  await Promise.all(Object.values(contenders).map(({ pool }) => pool.end().catch(() => {})))
}
