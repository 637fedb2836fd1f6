import { DsqlConfigError } from '../errors/index.js'
import { TOKEN_ACTIONS, type TokenAction, type TokenActionOption } from './dsql-options.js'
import type { DsqlEnv } from './resolve-config.js'
import { pickOptional, type Setting, shown } from './setting.js'

export const DEFAULT_PORT = 5432
export const DEFAULT_TOKEN_TTL_SEC = 900
const MAX_TOKEN_TTL_SEC = 604_800
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000
// DSQL closes every connection at 60 minutes. 55 minutes leaves room for a transaction that
// starts just before retirement (DSQL lets it run up to 5 more minutes).
const DEFAULT_MAX_LIFETIME_SEC = 3_300
const DSQL_MAX_CONNECTION_AGE_SEC = 3_600
// pg's own default: a script that used a pool and never ended it still exits soon after.
export const DEFAULT_IDLE_TIMEOUT_MS = 10_000
/** Node's timers take at most this many milliseconds; a larger delay fires after 1 ms instead. */
export const MAX_TIMER_MS = 2_147_483_647

/**
 * A whole number as a setting gives it: a number, or a string of decimal digits. Anything else
 * (`true`, `[600]`, `'0x10'`, `'1e3'`, `'12abc'`) is undefined, so it is refused by name rather
 * than coerced into a value nobody wrote.
 */
export function wholeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim())
  return undefined
}

export function resolvePort(setting: Setting<string | number>): number {
  const port = wholeNumber(setting.value)
  if (port === undefined || port < 1 || port > 65_535) {
    throw new DsqlConfigError(
      `${setting.from} is "${shown(setting.value)}"; a port is a whole number from 1 to 65535. Remove it to use 5432.`,
      { option: setting.from },
    )
  }
  return port as number
}

export function resolveTokenAction(setting: Setting<string>, user: string): TokenAction {
  if (!(TOKEN_ACTIONS as readonly string[]).includes(setting.value)) {
    throw new DsqlConfigError(
      `${setting.from} is "${shown(setting.value)}"; use "auto", "DbConnect" or "DbConnectAdmin" (auto signs ` +
        'DbConnectAdmin for the admin user and DbConnect for every other role).',
      { option: setting.from },
    )
  }
  const action = setting.value as TokenActionOption
  if (action !== 'auto') return action
  return user === 'admin' ? 'DbConnectAdmin' : 'DbConnect'
}

export function resolveTokenTtl(setting: Setting<string | number>): number {
  const ttl = wholeNumber(setting.value)
  if (ttl === undefined || ttl < 1 || ttl > MAX_TOKEN_TTL_SEC) {
    throw new DsqlConfigError(
      `tokenTtlSec must be whole seconds from 1 to ${MAX_TOKEN_TTL_SEC}; got "${shown(setting.value)}" from ` +
        `${setting.from}. Remove it to use the default (${DEFAULT_TOKEN_TTL_SEC}).`,
      { option: setting.from },
    )
  }
  return ttl
}

export function resolveConnectTimeout(
  options: Readonly<Record<string, unknown>>,
  urlTimeoutSec: string | undefined,
  urlFrom: string,
  env: DsqlEnv,
): number {
  const option = options.connectionTimeoutMillis
  if (option !== undefined && option !== null) return timerMs(option, 'connectionTimeoutMillis')
  // libpq's connect_timeout and PGCONNECT_TIMEOUT are whole seconds.
  const seconds = pickOptional<string>([
    [urlTimeoutSec, `${urlFrom} parameter connect_timeout`],
    [env.PGCONNECT_TIMEOUT, 'PGCONNECT_TIMEOUT'],
  ])
  if (seconds === undefined) return DEFAULT_CONNECT_TIMEOUT_MS
  const whole = wholeNumber(seconds.value)
  if (whole === undefined || whole * 1000 > MAX_TIMER_MS) {
    throw new DsqlConfigError(
      `${seconds.from} must be whole seconds from 0 to ${Math.floor(MAX_TIMER_MS / 1000)}; got "${seconds.value}". ` +
        `Remove it to use ${DEFAULT_CONNECT_TIMEOUT_MS / 1000} s.`,
      { option: seconds.from },
    )
  }
  return whole * 1000
}

export function resolveMaxLifetime(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_MAX_LIFETIME_SEC
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new DsqlConfigError(
      `maxLifetimeSeconds must be seconds from 0 to ${DSQL_MAX_CONNECTION_AGE_SEC}; got "${shown(value)}". ` +
        `Remove it to use ${DEFAULT_MAX_LIFETIME_SEC}.`,
      { option: 'maxLifetimeSeconds' },
    )
  }
  const seconds = value
  if (seconds > DSQL_MAX_CONNECTION_AGE_SEC) {
    throw new DsqlConfigError(
      `maxLifetimeSeconds is ${seconds}, but DSQL closes every connection at ${DSQL_MAX_CONNECTION_AGE_SEC} s. ` +
        `Use at most ${DSQL_MAX_CONNECTION_AGE_SEC} (the default, ${DEFAULT_MAX_LIFETIME_SEC}, leaves room for a last transaction).`,
      { option: 'maxLifetimeSeconds' },
    )
  }
  return seconds
}

export function resolveNonNegative(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback
  return timerMs(value, name)
}

/**
 * A duration in milliseconds that a Node timer can hold: a finite number from 0 to 2^31 - 1. A
 * larger one would fire after 1 ms, the opposite of what was asked.
 */
export function timerMs(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new DsqlConfigError(
      `${name} must be milliseconds from 0 to ${MAX_TIMER_MS} (about 24.8 days, the most a timer holds); ` +
        `got "${shown(value)}". Fix the value or remove it to use the default.`,
      { option: name },
    )
  }
  return value
}
