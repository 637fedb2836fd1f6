import { parseArgs } from 'node:util'
import { createCredentialsProvider } from '../auth/index.js'
import { type ResolvedConfig, type ResolvedEndpoint, resolveConfig } from '../config/index.js'
import { DsqlClient } from '../pool/index.js'
import { chooseEndpoint, EndpointHealth, probeEndpoint } from '../routing/index.js'
import { checkDns, checkTcp, checkTls, type StepResult } from './endpoint-checks.js'
import type { CliIo } from './run-cli.js'

const usage = `Usage: pg-dsql doctor [--endpoint HOST]... [--region R] [--user NAME] [--profile NAME]

Checks what a DsqlPool would do, step by step, for every endpoint: configuration, AWS
credentials, DNS, TCP, TLS (verified against the endpoint host) and IAM authentication with a
SELECT 1. Prints a table with latencies and a verdict; exits 0 when every endpoint works.
Settings come from the same options and environment variables as DsqlPool.
`

interface EndpointReport {
  readonly endpoint: ResolvedEndpoint
  readonly steps: Readonly<Record<'dns' | 'tcp' | 'tls' | 'auth' | 'query', StepResult | undefined>>
}

/** `pg-dsql doctor`: a connection checklist with a verdict. */
export async function doctorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parse>
  try {
    values = parse(argv)
  } catch (error) {
    io.stderr.write(`pg-dsql doctor: ${(error as Error).message}\n\n${usage}`)
    return 2
  }
  if (values.help === true) {
    io.stdout.write(usage)
    return 0
  }
  const options = {
    endpoints: values.endpoint,
    region: values.region,
    user: values.user,
    profile: values.profile,
  }
  const out = (line = '') => io.stdout.write(`${line}\n`)
  out('pg-dsql doctor')

  let config: ResolvedConfig
  try {
    config = resolveConfig(options)
  } catch (error) {
    out(row('Configuration', 'FAIL', (error as Error).message))
    out('\nVerdict: FAIL. Fix the configuration above.')
    return 1
  }
  out(row('Configuration', 'ok', describeConfig(config)))

  try {
    const identity = await createCredentialsProvider(config.credentials)()
    const expires =
      identity.expiration === undefined
        ? 'long-term'
        : `temporary, expires ${identity.expiration.toISOString()}`
    out(row('Credentials', 'ok', `${maskKeyId(identity.accessKeyId)} (${expires})`))
  } catch (error) {
    out(row('Credentials', 'FAIL', (error as Error).message))
    out('\nVerdict: FAIL. pg-dsql cannot sign tokens without AWS credentials.')
    return 1
  }

  const reports: EndpointReport[] = []
  for (const endpoint of config.endpoints) reports.push(await checkEndpoint(config, options, endpoint))
  out()
  out(table(reports))
  if (config.endpoints.length > 1) out(`\n${await routingLine(config)}`)
  const failed = reports.filter((report) =>
    Object.values(report.steps).some((step) => step !== undefined && !step.ok),
  )
  out()
  for (const report of failed) {
    const step = Object.entries(report.steps).find(([, result]) => result !== undefined && !result.ok)
    if (step !== undefined)
      out(`${report.endpoint.host}: ${step[0].toUpperCase()} failed: ${step[1]?.detail}`)
  }
  if (failed.length === 0) {
    out(
      `Verdict: OK. ${reports.length === 1 ? 'The endpoint accepts' : `All ${reports.length} endpoints accept`} connections.`,
    )
    return 0
  }
  out(
    failed.length === reports.length
      ? 'Verdict: FAIL. No endpoint accepts connections.'
      : `Verdict: DEGRADED. ${failed.length} of ${reports.length} endpoints fail; a pool routes around them.`,
  )
  return 1
}

async function checkEndpoint(
  config: ResolvedConfig,
  options: Record<string, unknown>,
  endpoint: ResolvedEndpoint,
): Promise<EndpointReport> {
  const steps: Record<string, StepResult | undefined> = {
    dns: undefined,
    tcp: undefined,
    tls: undefined,
    auth: undefined,
    query: undefined,
  }
  const report = { endpoint, steps } as EndpointReport
  const timeoutMs = config.connectTimeoutMs === 0 ? 10_000 : config.connectTimeoutMs
  const dns = await checkDns(endpoint)
  steps.dns = dns.result
  if (dns.ip === undefined) return report
  const tcp = await checkTcp(dns.ip, endpoint.port, timeoutMs)
  steps.tcp = tcp.result
  if (tcp.socket === undefined) return report
  if (config.ssl === false) {
    tcp.socket.destroy()
    steps.tls = { ok: true, ms: undefined, detail: 'TLS off (loopback)' }
  } else {
    steps.tls = await checkTls(
      tcp.socket,
      endpoint,
      config.ssl,
      config.sslnegotiation === 'direct',
      timeoutMs,
    )
    if (!steps.tls.ok) return report
  }
  const client = new DsqlClient({
    ...options,
    endpoints: `${endpoint.host}@${endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port}`,
  })
  client.on('error', () => {
    // A failure here is reported in the table; the connection is closed below.
  })
  const startedAt = performance.now()
  try {
    await client.connect()
    steps.auth = { ok: true, ms: performance.now() - startedAt, detail: 'accepted' }
    const queryStartedAt = performance.now()
    const { rows } = await client.query<{ version: string }>('SELECT version()')
    steps.query = { ok: true, ms: performance.now() - queryStartedAt, detail: rows[0]?.version ?? '' }
  } catch (error) {
    const failed = { ok: false, ms: undefined, detail: (error as Error).message }
    if (steps.auth === undefined) steps.auth = failed
    else steps.query = failed
  } finally {
    await client.end().catch(() => undefined)
  }
  return report
}

/**
 * What a pool's router would do now: one probe round (the probes pools use) and the same choice,
 * so the doctor shows which endpoint new connections would go to and why.
 */
async function routingLine(config: ResolvedConfig): Promise<string> {
  const routing = config.routing
  const now = Date.now()
  const states = await Promise.all(
    config.endpoints.map(async (endpoint) => {
      const state = new EndpointHealth(endpoint)
      // Held open: this probe is the command's work, not background upkeep.
      const result = await probeEndpoint(endpoint, routing.probeTimeoutMs, { unref: false })
      if (result.ok) state.sampled(result.rttMs)
      else state.failed(now, result.reason)
      return state
    }),
  )
  const preference = { current: undefined, challenger: undefined, rounds: 0, settled: false }
  const index = chooseEndpoint(
    { states, strategy: routing.strategy, localRegion: config.localRegion, now, failbackAfterMs: 0 },
    preference,
    true,
  )
  const rtts = states
    .map(
      (state) =>
        `${state.endpoint.region} ${state.latencyMs === undefined ? state.lastError : `${state.latencyMs.toFixed(1)} ms`}`,
    )
    .join(', ')
  const chosen = index === undefined ? undefined : states[index]?.endpoint
  return chosen === undefined
    ? row('Routing', 'FAIL', `${routing.strategy}: no endpoint answers a probe (${rtts})`)
    : row(
        'Routing',
        'ok',
        `${routing.strategy}: new connections go to ${chosen.host} (${chosen.region}); probe round trips ${rtts}`,
      )
}

function describeConfig(config: ResolvedConfig): string {
  const tls =
    config.ssl === false
      ? 'TLS off'
      : config.ssl.rejectUnauthorized === false
        ? 'TLS without verification'
        : 'TLS verify-full'
  return (
    `${config.endpoints.length} endpoint${config.endpoints.length === 1 ? '' : 's'}; user ${config.user} ` +
    `(${config.tokenAction}); database ${config.database}; ${tls}; token TTL ${config.tokenTtlSec} s`
  )
}

/** Shows enough of an access key id to tell identities apart, never the whole of it. */
function maskKeyId(keyId: string): string {
  return keyId.length <= 8 ? '****' : `${keyId.slice(0, 4)}…${keyId.slice(-4)}`
}

function row(label: string, status: string, detail: string): string {
  return `${label.padEnd(15)} ${status.padEnd(5)} ${detail}`
}

function table(reports: readonly EndpointReport[]): string {
  const header = ['Endpoint', 'Region', 'DNS', 'TCP', 'TLS', 'Auth', 'Query', 'Status']
  const cell = (step: StepResult | undefined) =>
    step === undefined ? '—' : !step.ok ? 'FAIL' : step.ms === undefined ? 'ok' : `${step.ms.toFixed(1)} ms`
  const rows = reports.map(({ endpoint, steps }) => {
    const failed = Object.values(steps).some((step) => step !== undefined && !step.ok)
    return [
      `${endpoint.host} (${endpoint.address}:${endpoint.port})`,
      endpoint.region,
      cell(steps.dns),
      cell(steps.tcp),
      cell(steps.tls),
      cell(steps.auth),
      cell(steps.query),
      failed ? 'FAIL' : 'ok',
    ]
  })
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((cells) => (cells[column] ?? '').length)),
  )
  const format = (cells: readonly string[]) =>
    cells.map((text, column) => text.padEnd(widths[column] ?? 0)).join('  ')
  return [format(header), ...rows.map(format)].join('\n')
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      endpoint: { type: 'string', multiple: true },
      region: { type: 'string' },
      user: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values
}
