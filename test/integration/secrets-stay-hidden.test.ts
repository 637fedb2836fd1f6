import diagnostics from 'node:diagnostics_channel'
import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { Emulator } from 'pg-dsql-emulator'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instrumentPool as emfInstrument } from '../../src/adapters/emf.js'
import { instrumentPool as otelInstrument } from '../../src/adapters/otel.js'
import { instrumentPool as promInstrument } from '../../src/adapters/prometheus.js'
import {
  createDsqlPg,
  DsqlClient,
  type DsqlClientConfig,
  type DsqlEvent,
  DsqlPool,
  type DsqlPoolConfig,
  EVENT_CHANNEL_NAME,
} from '../../src/index.js'
import { startTestEmulator } from '../support/emulator.js'

/** What the provider puts in its own error message, and passwords written where none belong. */
const PROVIDER_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYPROVIDERxSECRET'
const URL_PASSWORD = 'hunter2-url-password'
const QUERY_PASSWORD = 'hunter3-query-password'
const OPTION_PASSWORD = 'hunter4-option-password'
const WRONG_SECRET = 'wrong-secret-value-xyz'
const ENDPOINT_PASSWORD = 'hunter5-endpoint-password'

/**
 * Everything an app can see of pg-dsql while it works and fails: every event (onEvent and the
 * `pg-dsql:event` channel), every process warning, everything written to stdout and stderr, every
 * error with its `.cause` chain (`String`, `stack`, and `util.inspect` with depth: null), and
 * `util.inspect` of every pool and client. None of it may hold a token that was used, a secret
 * access key, a session token or a password.
 */
class Collector {
  readonly events: DsqlEvent[] = []
  readonly warnings: string[] = []
  readonly output: string[] = []
  readonly errors: unknown[] = []
  readonly pools: DsqlPool[] = []
  readonly clients: DsqlClient[] = []
  /** The tokens pg presented: pg keeps each connection's password (the token) on the client. */
  readonly tokens = new Set<string>()
  /** Every metric the three adapters produce for every pool: the scrape, the EMF lines, OTel's export. */
  readonly registry = new Registry()
  readonly emfLines: string[] = []
  readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  readonly metricReader = new PeriodicExportingMetricReader({
    exporter: this.metricExporter,
    exportIntervalMillis: 3_600_000,
  })
  readonly meterProvider = new MeterProvider({ readers: [this.metricReader] })
  readonly spanExporter = new InMemorySpanExporter()
  readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spanExporter)],
  })
  readonly #emf: { flush(): void }[] = []

  onEvent = (event: DsqlEvent) => this.events.push(event)

  pool(config: DsqlPoolConfig): DsqlPool {
    const pool = new DsqlPool({ ...config, onEvent: this.onEvent })
    pool.on('connect', (client) => this.remember(client as unknown as DsqlClient))
    this.pools.push(pool)
    this.instrument(pool)
    return pool
  }

  /** Attaches all three metrics adapters to `pool`. */
  instrument(pool: DsqlPool): void {
    otelInstrument(pool, { meterProvider: this.meterProvider, tracerProvider: this.tracerProvider })
    promInstrument(pool, { registry: this.registry })
    const stream = { write: (chunk: string) => this.emfLines.push(chunk) > 0 }
    this.#emf.push(emfInstrument(pool, { stream, flushIntervalMs: 3_600_000 }))
  }

  /** Every metric, label, attribute, span and EMF line the adapters produced, as text. */
  async metricsText(): Promise<string> {
    for (const emf of this.#emf) emf.flush()
    await this.metricReader.forceFlush()
    return [
      await this.registry.metrics(),
      ...this.emfLines,
      JSON.stringify(this.metricExporter.getMetrics()),
      JSON.stringify(
        this.spanExporter
          .getFinishedSpans()
          .map((span) => ({ name: span.name, attributes: span.attributes, status: span.status })),
      ),
    ].join('\n')
  }

  client(config: DsqlClientConfig): DsqlClient {
    const client = new DsqlClient({ ...config, onEvent: this.onEvent })
    this.clients.push(client)
    return client
  }

  /** Runs `work`, keeping the error it throws (it must throw one). */
  async failure(work: () => unknown): Promise<unknown> {
    try {
      await work()
    } catch (error) {
      this.errors.push(error)
      return error
    }
    throw new Error('expected the work to fail')
  }

  remember(client: DsqlClient): void {
    if (!this.clients.includes(client)) this.clients.push(client)
    const token = (client as unknown as { password?: unknown }).password
    if (typeof token === 'string') this.tokens.add(token)
  }

  /** Everything collected, as text. */
  text(): string {
    for (const client of this.clients) this.remember(client)
    const parts: string[] = [...this.output, ...this.warnings, JSON.stringify(this.events)]
    for (const error of this.errors) {
      for (let cause: unknown = error, depth = 0; cause !== undefined && depth < 10; depth++) {
        parts.push(String(cause), (cause as Error)?.stack ?? '', inspect(cause, { depth: null }))
        cause = (cause as { cause?: unknown } | null)?.cause
      }
    }
    for (const pool of this.pools) {
      parts.push(inspect(pool, { depth: null }), inspect(pool.dsqlConfig, { depth: null }))
      parts.push(JSON.stringify(pool.routing()))
    }
    for (const client of this.clients) parts.push(inspect(client, { depth: null }))
    return parts.join('\n')
  }
}

/** Each secret found in `text`, by name. The signature of a token is its secret part. */
function findSecrets(text: string, secrets: Readonly<Record<string, string>>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value !== '' && text.includes(value))
    .map(([name]) => name)
}

function secretsOf(emulator: Emulator, tokens: ReadonlySet<string>): Record<string, string> {
  const secrets: Record<string, string> = {
    'the secret access key': emulator.credentials.secretAccessKey,
    'the temporary secret access key': emulator.temporaryCredentials.secretAccessKey,
    'the session token': emulator.temporaryCredentials.sessionToken,
    "the provider's secret": PROVIDER_SECRET,
    'a URL password': URL_PASSWORD,
    'a URL query password': QUERY_PASSWORD,
    'the password option': OPTION_PASSWORD,
    'a password in a URL given as endpoints': ENDPOINT_PASSWORD,
    'a wrong secret key': WRONG_SECRET,
  }
  let n = 0
  for (const token of tokens) {
    n++
    secrets[`token ${n}`] = token
    const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(token)?.[1]
    if (signature !== undefined) secrets[`token ${n}'s signature`] = signature
  }
  return secrets
}

describe('secrets stay hidden', () => {
  let emulator: Emulator
  const collected = new Collector()
  const onChannel = (message: unknown) => collected.output.push(`channel ${JSON.stringify(message)}`)
  const onWarning = (warning: Error) => collected.warnings.push(inspect(warning, { depth: null }))
  const writes = { stdout: process.stdout.write, stderr: process.stderr.write }

  beforeAll(async () => {
    emulator = await startTestEmulator({ latencyMs: { 'us-east-1': 1, 'us-east-2': 5 } })
    diagnostics.subscribe(EVENT_CHANNEL_NAME, onChannel)
    process.on('warning', onWarning)
    for (const stream of ['stdout', 'stderr'] as const) {
      const original = writes[stream]
      process[stream].write = ((chunk: unknown, ...rest: unknown[]) => {
        collected.output.push(String(chunk))
        return (original as (...args: unknown[]) => boolean).call(process[stream], chunk, ...rest)
      }) as typeof process.stdout.write
    }
  })

  afterAll(async () => {
    process.stdout.write = writes.stdout
    process.stderr.write = writes.stderr
    diagnostics.unsubscribe(EVENT_CHANNEL_NAME, onChannel)
    process.off('warning', onWarning)
    await Promise.allSettled([...collected.pools.map((pool) => pool.end())])
    await emulator?.stop()
  })

  it('shows no token, secret key, session token or password in anything the app can see of a full workload', async () => {
    const ca = readFileSync(emulator.caCertPath, 'utf8')
    const { accessKeyId, secretAccessKey } = emulator.credentials
    const base = {
      endpoints: emulator.env.DSQL_ENDPOINTS,
      ssl: { ca },
      credentials: { accessKeyId, secretAccessKey },
    }
    const table = `secrets_${process.pid}`

    // Connects, queries and transactions, conflicts retried and exhausted, outcomes unknown.
    const pool = collected.pool({ ...base, max: 4, routing: { strategy: 'ordered', failbackAfterMs: 200 } })
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`)
    await pool.query(`INSERT INTO ${table} VALUES (1, 0)`)
    emulator.inject({ kind: 'occ', count: 2 })
    await pool.transaction((client) => client.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`))
    emulator.inject({ kind: 'occ', count: 1 })
    await pool.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`)
    emulator.inject({ kind: 'occ', count: 5 })
    await collected.failure(() =>
      pool.transaction((client) => client.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`), {
        maxAttempts: 2,
      }),
    )
    emulator.clearFaults()
    emulator.inject({ kind: 'commit-ambiguous', reply: 'drop' })
    await collected.failure(() =>
      pool.transaction((client) => client.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`)),
    )
    emulator.inject({ kind: 'commit-ambiguous', reply: 'error' })
    await collected.failure(() => pool.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`))
    await collected.failure(() => pool.query(`INSERT INTO ${table} VALUES (1, 0)`))
    // Last, since it cleans up its markers in the background with an autocommit write.
    await pool.transaction((client) => client.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`), {
      exactlyOnce: true,
    })

    // Routing: the near Region refused, then healed; then both gone for a lone client.
    emulator.isolate('us-east-1', { mode: 'refuse', existing: 'drop' })
    await pool.query('SELECT 1')
    emulator.heal('us-east-1')
    await pool.transaction((client) => client.query('SELECT 1'))
    emulator.isolate('us-east-1', { mode: 'refuse', existing: 'drop' })
    emulator.isolate('us-east-2', { mode: 'refuse', existing: 'drop' })
    await collected.failure(() => collected.client({ ...base, connectionTimeoutMillis: 500 }).connect())
    emulator.heal('us-east-1')
    emulator.heal('us-east-2')

    // Refused tokens: a wrong secret, a tampered session token, and a clock an hour ahead.
    const wrong = collected.pool({ ...base, credentials: { accessKeyId, secretAccessKey: WRONG_SECRET } })
    await collected.failure(() => wrong.query('SELECT 1'))
    const temporary = emulator.temporaryCredentials
    const session = collected.client({
      ...base,
      credentials: {
        accessKeyId: temporary.accessKeyId,
        secretAccessKey: temporary.secretAccessKey,
        sessionToken: temporary.sessionToken,
      },
    })
    await session.connect()
    await session.transaction((client) => client.query('SELECT 1'))
    await session.end()
    await collected.failure(() =>
      collected
        .client({
          ...base,
          credentials: {
            accessKeyId: temporary.accessKeyId,
            secretAccessKey: temporary.secretAccessKey,
            sessionToken: `${temporary.sessionToken}tampered`,
          },
        })
        .connect(),
    )
    emulator.setClockOffset(3600)
    const skewed = collected.pool({ ...base, tokenTtlSec: 901 })
    await collected.failure(() => skewed.query('SELECT 1'))
    emulator.setClockOffset(0)

    // Failed credentials: a provider whose own message holds a secret, and a profile that does not exist.
    const failing = collected.pool({
      ...base,
      credentials: async () => {
        throw new Error(`could not reach the credential endpoint with key ${PROVIDER_SECRET}`)
      },
    })
    await collected.failure(() => failing.query('SELECT 1'))
    const { credentials: _ignored, ...withoutCredentials } = base
    const profile = collected.pool({ ...withoutCredentials, profile: 'pg-dsql-no-such-profile' })
    await collected.failure(() => profile.query('SELECT 1'))

    // Passwords where pg-dsql refuses them, and a listener that throws (reported as a warning).
    const host = emulator.endpoints[0]?.host
    await collected.failure(() =>
      collected.pool({ connectionString: `postgres://admin:${URL_PASSWORD}@${host}/postgres` }),
    )
    await collected.failure(() =>
      collected.pool({ connectionString: `postgres://admin@${host}/postgres?password=${QUERY_PASSWORD}` }),
    )
    await collected.failure(() => collected.pool({ ...base, password: OPTION_PASSWORD } as DsqlPoolConfig))
    // A whole URL pasted where an endpoint goes.
    await collected.failure(() =>
      collected.pool({ ...base, endpoints: `postgres://admin:${ENDPOINT_PASSWORD}@${host}/postgres` }),
    )
    const throwing = new DsqlPool({
      ...base,
      onEvent: () => {
        throw new Error('listener failed')
      },
    })
    collected.pools.push(throwing)
    collected.instrument(throwing)
    await throwing.query('SELECT 1')

    // The module form ORMs use.
    const ormPool = new (createDsqlPg(base).Pool)({ max: 1 })
    collected.pools.push(ormPool)
    collected.instrument(ormPool as DsqlPool)
    await ormPool.query('SELECT 1')
    await pool.query(`DROP TABLE ${table}`)

    const metrics = await collected.metricsText()
    // The adapters saw the workload: tokens signed, conflicts, transaction attempts traced.
    expect(metrics).toContain('pg_dsql_tokens_issued_total')
    expect(metrics).toContain('"OccConflictsData"')
    expect(metrics).toContain('dsql.transaction.attempt')
    const text = `${collected.text()}\n${metrics}`
    const secrets = secretsOf(emulator, collected.tokens)
    // The workload did what it is meant to: tokens used, events heard, errors of every kind.
    expect(collected.tokens.size).toBeGreaterThan(2)
    for (const type of ['token.issued', 'connect', 'connect.error', 'retry', 'failover', 'transaction']) {
      expect(collected.events.map((event) => event.type)).toContain(type)
    }
    expect(
      collected.errors.map((error) => `${(error as Error).name} ${(error as { code?: string }).code}`),
    ).toEqual(
      expect.arrayContaining([
        'OccRetryExhaustedError 40001',
        'TransactionOutcomeUnknownError 08007',
        'error 23505',
        'DsqlAuthError 08006',
        'DsqlCredentialsError ERR_DSQL_CREDENTIALS',
        'DsqlConfigError ERR_DSQL_CONFIG',
      ]),
    )
    expect(collected.warnings.length).toBeGreaterThan(0)
    expect(findSecrets(text, secrets)).toEqual([])
    expect(text).not.toMatch(/X-Amz-Signature=[0-9a-f]{16}/)
    expect(text).not.toMatch(/X-Amz-Security-Token=/)
  })

  it('finds a secret hidden in an error cause, as util.inspect shows it', () => {
    const error = new Error('outer', { cause: new Error(`inner ${PROVIDER_SECRET}`) })
    expect(
      findSecrets(inspect(error, { depth: null }), { "the provider's secret": PROVIDER_SECRET }),
    ).toEqual(["the provider's secret"])
  })
})
