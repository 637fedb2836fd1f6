import { randomInt } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import pg from 'pg'
import {
  type Certificates,
  createCertificates,
  EMULATOR_ACCOUNT_ID,
  type EmulatorIdentity,
  issueEmulatorIdentity,
} from './auth/index.js'
import {
  type BackendAddress,
  BackendCatalog,
  makeOwnedTempDir,
  parseBackendUrl,
  startEmbeddedBackend,
  sweepStaleTempDirs,
} from './backend/index.js'
import {
  type ControlOperations,
  createControlOperations,
  EmulatorClock,
  FaultPlan,
  StatsRecorder,
  startControlServer,
} from './control/index.js'
import type { Emulator, EmulatorEndpoint } from './emulator.js'
import {
  EmulatorBackendError,
  EmulatorOptionError,
  EmulatorStartError,
  type EmulatorStartStep,
  reasonOf,
} from './emulator-error.js'
import {
  type EmulatorBackend,
  type EmulatorOptions,
  type ResolvedEmulatorOptions,
  resolveEmulatorOptions,
} from './emulator-options.js'
import { type ClusterServices, RegionEndpoint } from './endpoint/index.js'
import { loadSqlParser } from './sql/index.js'
import { CatalogClock } from './transactions/index.js'

/** DSQL's largest protocol message. */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * Starts a local Aurora DSQL emulator: one TLS endpoint per Region in front of one PostgreSQL
 * database, checking IAM tokens, enforcing DSQL's connection rules, and taking faults, latency
 * and isolation from its API or its HTTP control API. Rejects with an `EmulatorOptionError`,
 * `EmulatorBackendError` or `EmulatorStartError`, after stopping whatever had started.
 *
 * @example
 * const emu = await startEmulator({ regions: ['us-east-1', 'us-east-2'] })
 * // ... connect with pg to emu.endpoints[0] using a token signed with emu.credentials
 * await emu.stop()
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveEmulatorOptions(options)
  const teardown = new Teardown()
  try {
    const workDir = await makeWorkDir(teardown)
    const backendUrl = await startOrAttachBackend(resolved.backend, workDir, teardown)
    const backend = await bootstrapCatalog(backendUrl, teardown)
    const hosts = resolved.regions.map((region) => `${randomId(26)}.dsql.${region}.on.aws`)
    const certificates = await makeCertificates(hosts, workDir)
    const identity = issueEmulatorIdentity(Date.now())
    const clock = new EmulatorClock()
    const cluster = await clusterServices(resolved, { backend, certificates, identity, clock })
    const endpoints = await openEndpoints(resolved, hosts, cluster, teardown)
    const operations = createControlOperations({
      endpoints,
      faults: cluster.faults,
      stats: cluster.stats,
      clock,
    })
    const controlUrl = await startControlApi(operations, teardown)
    return buildEmulator({ resolved, endpoints, identity, certificates, operations, controlUrl, teardown })
  } catch (error) {
    await teardown.run()
    throw error
  }
}

/**
 * What to undo if a later step fails, or at `stop()`: last started, first stopped. The control
 * API closes first, so nothing reconfigures the emulator while it stops; the backend and the
 * temporary directory go last.
 */
class Teardown {
  readonly #steps: (() => Promise<void>)[] = []
  #running: Promise<void> | undefined

  add(step: () => Promise<void>): void {
    this.#steps.push(step)
  }

  /** Runs every step once, even when one fails (stopping must go as far as it can). */
  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.splice(0).reverse()) await step().catch(() => undefined)
    })()
    return this.#running
  }
}

function randomId(length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += ID_ALPHABET[randomInt(ID_ALPHABET.length)]
  return out
}

/** Runs one start step; an error that is not already the emulator's becomes an `EmulatorStartError`. */
async function step<T>(
  name: EmulatorStartStep,
  what: string,
  fix: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (error instanceof EmulatorBackendError || error instanceof EmulatorOptionError) throw error
    throw new EmulatorStartError(`The emulator did not start: ${what} (${reasonOf(error)}). ${fix}`, {
      step: name,
      cause: error,
    })
  }
}

/**
 * A private temporary directory for the CA certificate and the embedded backend's data, marked
 * as this process's. The folders of emulators that died without stopping go first.
 */
function makeWorkDir(teardown: Teardown): Promise<string> {
  return step(
    'work-dir',
    `cannot create its temporary directory in ${tmpdir()}`,
    'Set TMPDIR to a writable folder.',
    async () => {
      await sweepStaleTempDirs()
      const dir = await makeOwnedTempDir('pg-dsql-emulator-')
      teardown.add(() => rm(dir, { recursive: true, force: true }))
      return dir
    },
  )
}

/** The backend's URL: an embedded PostgreSQL started in `workDir`, or the URL the options gave. */
async function startOrAttachBackend(backend: EmulatorBackend, workDir: string, teardown: Teardown) {
  if (backend.kind === 'url') return backend.url
  const embedded = await startEmbeddedBackend({ dir: workDir })
  teardown.add(() => embedded.stop())
  return embedded.url
}

/** Creates or updates the emulator's objects on the backend (roles, IAM mappings, `sys` views). */
async function bootstrapCatalog(backendUrl: string, teardown: Teardown) {
  const address: BackendAddress = parseBackendUrl(backendUrl)
  const pool = new pg.Pool({ connectionString: backendUrl, max: 4, idleTimeoutMillis: 5000 })
  pool.on('error', () => undefined)
  teardown.add(() => pool.end())
  const catalog = await BackendCatalog.bootstrap(pool).catch((error: unknown) => {
    if (error instanceof EmulatorBackendError) throw error
    // The URL may hold a password: name only where it points.
    throw new EmulatorBackendError(
      `Emulator option backend: cannot prepare the PostgreSQL at ${address.host}:${address.port} ` +
        `(${reasonOf(error)}). Check that it is running and that its user may create roles and schemas.`,
      { cause: error },
    )
  })
  return { address, catalog }
}

/** A CA and one certificate for every endpoint host; the CA goes to `<workDir>/ca.pem`. */
function makeCertificates(hosts: readonly string[], workDir: string) {
  return step(
    'certificates',
    'cannot make its TLS certificates',
    'Check that @peculiar/x509 and reflect-metadata are installed next to pg-dsql-emulator.',
    async () => {
      const certificates = await createCertificates(hosts, Date.now())
      const caCertPath = join(workDir, 'ca.pem')
      await writeFile(caCertPath, certificates.caPem, { mode: 0o644 })
      return { ...certificates, caCertPath }
    },
  )
}

/** What every Region endpoint shares: TLS, principals, the backend, limits, faults, counters, clock. */
async function clusterServices(
  resolved: ResolvedEmulatorOptions,
  parts: {
    backend: { address: BackendAddress; catalog: BackendCatalog }
    certificates: Certificates
    identity: EmulatorIdentity
    clock: EmulatorClock
  },
): Promise<ClusterServices> {
  const parser = await step(
    'sql-parser',
    "cannot load PostgreSQL's SQL parser",
    'Check that libpg-query and pgsql-deparser are installed next to pg-dsql-emulator.',
    loadSqlParser,
  )
  const { certificates, clock } = parts
  return {
    secureContext: tls.createSecureContext({ cert: certificates.certPem, key: certificates.keyPem }),
    tokenClockSkewSec: resolved.tokenClockSkewSec,
    principals: parts.identity.principals,
    accountId: EMULATOR_ACCOUNT_ID,
    catalog: parts.backend.catalog,
    backend: parts.backend.address,
    stats: new StatsRecorder(resolved.regions),
    faults: new FaultPlan(),
    maxConnections: resolved.maxConnections,
    connectRate: resolved.connectRate,
    maxConnectionAgeSec: resolved.maxConnectionAgeSec,
    maxMessageBytes: MAX_MESSAGE_BYTES,
    parser,
    profile: resolved.profile,
    transactionLimits: Object.freeze({
      maxRows: resolved.maxTransactionRows,
      maxBytes: resolved.maxTransactionBytes,
      maxAgeSec: resolved.maxTransactionAgeSec,
    }),
    catalogClock: new CatalogClock(),
    now: () => clock.now(),
    monotonicNowMs: () => performance.now(),
    interRegionRttMs: () => resolved.interRegionRttMs,
    sessionsByKey: new Map(),
  }
}

/** One listening endpoint per Region, on consecutive ports from `port` (or free ports). */
async function openEndpoints(
  resolved: ResolvedEmulatorOptions,
  hosts: readonly string[],
  cluster: ClusterServices,
  teardown: Teardown,
): Promise<RegionEndpoint[]> {
  const endpoints: RegionEndpoint[] = []
  for (const [index, region] of resolved.regions.entries()) {
    const endpoint = new RegionEndpoint({
      region,
      host: hosts[index]!,
      latencyMs: resolved.latencyMs[region] ?? 0,
      cluster,
    })
    await endpoint.listen(resolved.host, resolved.port === 0 ? 0 : resolved.port + index)
    teardown.add(() => endpoint.close())
    endpoints.push(endpoint)
  }
  return endpoints
}

/** The HTTP control API on a loopback port; returns its base URL. */
function startControlApi(operations: ControlOperations, teardown: Teardown): Promise<string> {
  return step(
    'control-api',
    'cannot open its control API on 127.0.0.1',
    'Check that this machine can listen on its loopback address.',
    async () => {
      const control = await startControlServer(operations)
      teardown.add(() => control.close())
      return control.url
    },
  )
}

/**
 * What a client needs, as environment variables: the driver's (`DSQL_ENDPOINTS`, AWS
 * credentials) and libpq's for the first Region (`PGHOST` for TLS and the token, `PGHOSTADDR`
 * and `PGPORT` for TCP, `sslmode=verify-full` against the CA), so any language's client works.
 */
export function emulatorEnv(parts: {
  readonly endpoints: readonly EmulatorEndpoint[]
  readonly identity: EmulatorIdentity
  readonly caCertPath: string
  readonly controlUrl: string
}): Readonly<Record<string, string>> {
  const { endpoints, identity } = parts
  const first = endpoints[0]!
  return Object.freeze({
    DSQL_ENDPOINTS: endpoints.map((e) => `${e.host}@${e.address}:${e.port}`).join(','),
    AWS_REGION: first.region,
    AWS_ACCESS_KEY_ID: identity.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: identity.credentials.secretAccessKey,
    PGHOST: first.host,
    PGHOSTADDR: first.address,
    PGPORT: String(first.port),
    PGSSLMODE: 'verify-full',
    PGSSLROOTCERT: parts.caCertPath,
    PGUSER: 'admin',
    PGDATABASE: 'postgres',
    DSQL_EMULATOR_CONTROL: parts.controlUrl,
  })
}

/** The running emulator: its endpoints, credentials, environment, control operations and `stop()`. */
function buildEmulator(parts: {
  resolved: ResolvedEmulatorOptions
  endpoints: readonly RegionEndpoint[]
  identity: EmulatorIdentity
  certificates: { readonly caCertPath: string }
  operations: ControlOperations
  controlUrl: string
  teardown: Teardown
}): Emulator {
  const endpoints = parts.endpoints.map(({ region, host, address, port }) =>
    Object.freeze({ region, host, address, port }),
  )
  const { caCertPath } = parts.certificates
  const env = emulatorEnv({ endpoints, identity: parts.identity, caCertPath, controlUrl: parts.controlUrl })
  const emulator: Emulator = {
    endpoints: Object.freeze(endpoints),
    regions: parts.resolved.regions,
    witnessRegion: parts.resolved.witnessRegion,
    env,
    credentials: parts.identity.credentials,
    temporaryCredentials: parts.identity.temporaryCredentials,
    caCertPath,
    controlUrl: parts.controlUrl,
    ...parts.operations,
    stop: () => parts.teardown.run(),
  }
  // env holds the secret key too; keep it out of util.inspect like the credentials.
  Object.defineProperty(emulator, 'env', { value: env, enumerable: false })
  return Object.freeze(emulator)
}
