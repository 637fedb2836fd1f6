import { EmulatorOptionError } from '../emulator-error.js'
import { AMBIGUOUS_REPLIES, FAULT_KINDS, type FaultSpec } from './fault-plan.js'
import { EXISTING_SESSION_POLICIES, ISOLATION_MODES, type IsolationOptions } from './isolation.js'

/**
 * Checks the arguments of the control operations, for the API object and the HTTP control API
 * alike, so both reject the same input with the same message. Pure; throws `EmulatorOptionError`
 * naming the field.
 */

function fail(option: string, message: string): never {
  throw new EmulatorOptionError(`${option} ${message}`, { option })
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function onlyKeys(value: Record<string, unknown>, what: string, keys: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) fail(what, `has no field "${key}". Fields: ${keys.join(', ')}.`)
  }
}

export function checkRegion(region: unknown, regions: readonly string[]): string {
  if (typeof region !== 'string' || !regions.includes(region)) {
    fail('region', `must be one of the emulated Regions (${regions.join(', ')}); got ${show(region)}.`)
  }
  return region
}

export function checkIsolation(input: unknown = {}): IsolationOptions {
  if (!isObject(input)) fail('isolation options', `must be an object { mode, existing }; got ${show(input)}.`)
  onlyKeys(input, 'isolation options', ['mode', 'existing'])
  const mode = input.mode ?? 'refuse'
  const existing = input.existing ?? 'drop'
  if (!ISOLATION_MODES.includes(mode as never)) {
    fail('mode', `must be ${ISOLATION_MODES.map((m) => `'${m}'`).join(' or ')}; got ${show(mode)}.`)
  }
  if (!EXISTING_SESSION_POLICIES.includes(existing as never)) {
    fail(
      'existing',
      `must be ${EXISTING_SESSION_POLICIES.map((m) => `'${m}'`).join(' or ')}; got ${show(existing)}.`,
    )
  }
  return { mode, existing } as IsolationOptions
}

export function checkLatencyMs(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 60_000) {
    fail('latencyMs', `must be milliseconds from 0 to 60000; got ${show(ms)}.`)
  }
  return ms
}

export function checkClockOffsetSec(sec: unknown): number {
  if (typeof sec !== 'number' || !Number.isFinite(sec) || Math.abs(sec) > 10 * 365 * 86_400) {
    fail('offsetSec', `must be seconds (negative: the past), within ten years; got ${show(sec)}.`)
  }
  return sec
}

export function checkFault(input: unknown, regions: readonly string[]): FaultSpec {
  if (!isObject(input))
    fail('fault', `must be an object { kind, region?, count?, probability? }; got ${show(input)}.`)
  onlyKeys(input, 'fault', ['kind', 'region', 'count', 'probability', 'reply'])
  const { kind, region, count, probability, reply } = input
  if (!FAULT_KINDS.includes(kind as never)) {
    fail('kind', `must be one of ${FAULT_KINDS.map((k) => `'${k}'`).join(', ')}; got ${show(kind)}.`)
  }
  const spec: { -readonly [K in keyof FaultSpec]: FaultSpec[K] } = { kind: kind as FaultSpec['kind'] }
  if (region !== undefined) spec.region = checkRegion(region, regions)
  if (count !== undefined) {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
      fail('count', `must be a positive integer (how many events the fault hits); got ${show(count)}.`)
    }
    spec.count = count
  }
  if (probability !== undefined) {
    if (typeof probability !== 'number' || !(probability > 0 && probability <= 1)) {
      fail('probability', `must be a number in (0, 1]; got ${show(probability)}.`)
    }
    spec.probability = probability
  }
  if (reply !== undefined) {
    if (kind !== 'commit-ambiguous') fail('reply', "applies only to kind 'commit-ambiguous'.")
    if (!AMBIGUOUS_REPLIES.includes(reply as never)) {
      fail('reply', `must be ${AMBIGUOUS_REPLIES.map((r) => `'${r}'`).join(' or ')}; got ${show(reply)}.`)
    }
    spec.reply = reply as FaultSpec['reply']
  }
  return spec
}

export function checkKillOptions(input: unknown = {}, regions: readonly string[]): { region?: string } {
  if (!isObject(input)) fail('kill options', `must be an object { region? }; got ${show(input)}.`)
  onlyKeys(input, 'kill options', ['region'])
  return input.region === undefined ? {} : { region: checkRegion(input.region, regions) }
}
