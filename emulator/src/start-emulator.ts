import { randomBytes, randomInt } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import pg from 'pg'
import { createCertificates, type TokenPrincipal } from './auth/index.js'
import {
  BackendCatalog,
  type EmbeddedBackend,
  parseBackendUrl,
  startEmbeddedBackend,
} from './backend/index.js'
import {
  checkClockOffsetSec,
  checkFault,
  checkIsolation,
  checkKillOptions,
  checkLatencyMs,
  checkRegion,
  FaultPlan,
  StatsRecorder,
  startControlServer,
} from './control/index.js'
import type { Emulator, EmulatorCredentials, EmulatorTemporaryCredentials } from './emulator.js'
import { EmulatorBackendError } from './emulator-error.js'
import { type EmulatorOptions, resolveEmulatorOptions } from './emulator-options.js'
import { type ClusterServices, RegionEndpoint } from './endpoint/index.js'
import { loadSqlParser } from './sql/index.js'
import { CatalogClock } from './transactions/index.js'

/** The account and principal the emulator's credentials belong to. */
const ACCOUNT_ID = '000000000000'
const PRINCIPAL_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/dsql-emulator`
/** DSQL's largest protocol message. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

function randomString(alphabet: string, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

/** Credentials with the secret parts kept out of enumeration (and so out of logs). */
function credentialsFor(accessKeyId: string, secrets: Record<string, string>, extra: object = {}) {
  const credentials = { accessKeyId, arn: PRINCIPAL_ARN, accountId: ACCOUNT_ID, ...extra }
  for (const [name, value] of Object.entries(secrets)) {
    Object.defineProperty(credentials, name, { value, enumerable: false })
  }
  return Object.freeze(credentials)
}

/**
 * Starts a local Aurora DSQL emulator: one TLS endpoint per Region in front of one PostgreSQL
 * database, checking IAM tokens, enforcing DSQL's connection rules, and taking faults, latency
 * and isolation from its API or its HTTP control API.
 *
 * @example
 * const emu = await startEmulator({ regions: ['us-east-1', 'us-east-2'] })
 * // ... connect with pg to emu.endpoints[0] using a token signed with emu.credentials
 * await emu.stop()
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveEmulatorOptions(options)
  const { regions } = resolved
  const cleanups: (() => Promise<void>)[] = []
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
  }
  try {
    const dir = await mkdtemp(join(tmpdir(), 'pg-dsql-emulator-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const hosts = regions.map((region) => `${randomString(ID_ALPHABET, 26)}.dsql.${region}.on.aws`)
    const certificates = await createCertificates(hosts, Date.now())
    const caCertPath = join(dir, 'ca.pem')
    await writeFile(caCertPath, certificates.caPem, { mode: 0o644 })

    let backendUrl: string
    if (resolved.backend.kind === 'embedded') {
      const backend: EmbeddedBackend = await startEmbeddedBackend({ dir })
      cleanups.push(() => backend.stop())
      backendUrl = backend.url
    } else {
      backendUrl = resolved.backend.url
    }
    const pool = new pg.Pool({ connectionString: backendUrl, max: 4, idleTimeoutMillis: 5000 })
    pool.on('error', () => undefined)
    cleanups.push(() => pool.end())
    const backendAddress = parseBackendUrl(backendUrl)
    const catalog = await BackendCatalog.bootstrap(pool).catch((error: unknown) => {
      // The URL may hold a password: name only where it points.
      const reason = error instanceof Error ? error.message : String(error)
      throw new EmulatorBackendError(
        `Emulator option backend: cannot prepare the PostgreSQL at ${backendAddress.host}:${backendAddress.port} ` +
          `(${reason}). Check that it is running and that its user may create roles and schemas.`,
        { cause: error },
      )
    })

    const accessKeyId = `AKIA${randomString(KEY_ALPHABET, 16)}`
    const temporaryKeyId = `ASIA${randomString(KEY_ALPHABET, 16)}`
    const credentials = credentialsFor(accessKeyId, {
      secretAccessKey: randomBytes(30).toString('base64'),
    }) as EmulatorCredentials
    const temporaryCredentials = credentialsFor(
      temporaryKeyId,
      {
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: randomBytes(180).toString('base64'),
      },
      { expiration: new Date(Date.now() + 12 * 3600_000) },
    ) as EmulatorTemporaryCredentials
    const principals = new Map<string, TokenPrincipal>([
      [accessKeyId, { accessKeyId, secretAccessKey: credentials.secretAccessKey, arn: PRINCIPAL_ARN }],
      [
        temporaryKeyId,
        {
          accessKeyId: temporaryKeyId,
          secretAccessKey: temporaryCredentials.secretAccessKey,
          sessionToken: temporaryCredentials.sessionToken,
          arn: PRINCIPAL_ARN,
        },
      ],
    ])

    let clockOffsetMs = 0
    const stats = new StatsRecorder(regions)
    const faults = new FaultPlan()
    const cluster: ClusterServices = {
      secureContext: tls.createSecureContext({ cert: certificates.certPem, key: certificates.keyPem }),
      tokenClockSkewSec: resolved.tokenClockSkewSec,
      principals,
      accountId: ACCOUNT_ID,
      catalog,
      backend: backendAddress,
      stats,
      faults,
      maxConnections: resolved.maxConnections,
      connectRate: resolved.connectRate,
      maxConnectionAgeSec: resolved.maxConnectionAgeSec,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      parser: await loadSqlParser(),
      profile: resolved.profile,
      transactionLimits: Object.freeze({
        maxRows: resolved.maxTransactionRows,
        maxBytes: resolved.maxTransactionBytes,
        maxAgeSec: resolved.maxTransactionAgeSec,
      }),
      catalogClock: new CatalogClock(),
      now: () => Date.now() + clockOffsetMs,
      interRegionRttMs: () => resolved.interRegionRttMs,
      sessionsByKey: new Map(),
    }
    const endpoints = new Map<string, RegionEndpoint>()
    for (const [index, region] of regions.entries()) {
      const endpoint = new RegionEndpoint({
        region,
        host: hosts[index]!,
        latencyMs: resolved.latencyMs[region] ?? 0,
        cluster,
      })
      await endpoint.listen(resolved.host, resolved.port === 0 ? 0 : resolved.port + index)
      cleanups.push(() => endpoint.close())
      endpoints.set(region, endpoint)
    }
    const endpointOf = (region: unknown) => endpoints.get(checkRegion(region, regions))!

    let stopping: Promise<void> | undefined
    const api = {
      isolate: (region: string, isolation?: object) => endpointOf(region).isolate(checkIsolation(isolation)),
      heal: (region: string) => endpointOf(region).heal(),
      setLatency: (region: string, ms: number) => endpointOf(region).setLatency(checkLatencyMs(ms)),
      inject: (fault: unknown) => faults.add(checkFault(fault, regions)),
      faults: () => faults.list(),
      clearFaults: () => faults.clear(),
      killConnections: (kill?: { region?: string }) => {
        const { region } = checkKillOptions(kill, regions)
        let killed = 0
        for (const endpoint of endpoints.values()) {
          if (region === undefined || endpoint.region === region) killed += endpoint.killConnections()
        }
        return killed
      },
      setClockOffset: (sec: number) => {
        clockOffsetMs = checkClockOffsetSec(sec) * 1000
        for (const endpoint of endpoints.values()) endpoint.recheckAges()
      },
      stats: () => stats.snapshot(),
    }
    const control = await startControlServer(api)
    // Cleanups run last-in first: the control API closes first, so nothing reconfigures the
    // emulator while it stops; the backend and the temporary directory go last.
    cleanups.push(() => control.close())

    const endpointList = [...endpoints.values()].map((endpoint) =>
      Object.freeze({
        region: endpoint.region,
        host: endpoint.host,
        address: endpoint.address,
        port: endpoint.port,
      }),
    )
    const env = Object.freeze({
      DSQL_ENDPOINTS: endpointList.map((e) => `${e.host}@${e.address}:${e.port}`).join(','),
      AWS_REGION: regions[0]!,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      PGSSLROOTCERT: caCertPath,
      PGUSER: 'admin',
      PGDATABASE: 'postgres',
      DSQL_EMULATOR_CONTROL: control.url,
    })
    const emulator: Emulator = {
      endpoints: Object.freeze(endpointList),
      regions,
      witnessRegion: resolved.witnessRegion,
      env,
      credentials,
      temporaryCredentials,
      caCertPath,
      controlUrl: control.url,
      ...api,
      stop: () => {
        stopping ??= stopAll()
        return stopping
      },
    }
    // env holds the secret key too; keep it out of util.inspect like the credentials.
    Object.defineProperty(emulator, 'env', { value: env, enumerable: false })
    return Object.freeze(emulator)
  } catch (error) {
    await stopAll()
    throw error
  }
}
