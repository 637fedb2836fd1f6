import { DsqlConfigError } from '../errors/index.js'
import { TOKEN_ACTIONS, type TokenAction, type TokenActionOption } from './dsql-options.js'
import type { DsqlEnv } from './resolve-config.js'
import { pickOptional, type Setting } from './setting.js'

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

export function resolvePort(setting: Setting<string | number>): number {
  const port = Number(setting.value)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new DsqlConfigError(
      `${setting.from} is "${setting.value}"; a port is a whole number from 1 to 65535. Remove it to use 5432.`,
      { option: setting.from },
    )
  }
  return port
}

export function resolveTokenAction(setting: Setting<string>, user: string): TokenAction {
  if (!(TOKEN_ACTIONS as readonly string[]).includes(setting.value)) {
    throw new DsqlConfigError(
      `${setting.from} is "${setting.value}"; use "auto", "DbConnect" or "DbConnectAdmin" (auto signs ` +
        'DbConnectAdmin for the admin user and DbConnect for every other role).',
      { option: setting.from },
    )
  }
  const action = setting.value as TokenActionOption
  if (action !== 'auto') return action
  return user === 'admin' ? 'DbConnectAdmin' : 'DbConnect'
}

export function resolveTokenTtl(setting: Setting<string | number>): number {
  const ttl = typeof setting.value === 'number' ? setting.value : Number(setting.value)
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SEC) {
    throw new DsqlConfigError(
      `tokenTtlSec must be whole seconds from 1 to ${MAX_TOKEN_TTL_SEC}; got "${setting.value}" from ` +
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
  const setting = pickOptional<string | number>([
    [options.connectionTimeoutMillis as number | undefined, 'connectionTimeoutMillis'],
    [
      urlTimeoutSec === undefined ? undefined : Number(urlTimeoutSec) * 1000,
      `${urlFrom} parameter connect_timeout`,
    ],
    [
      env.PGCONNECT_TIMEOUT === undefined ? undefined : Number(env.PGCONNECT_TIMEOUT) * 1000,
      'PGCONNECT_TIMEOUT',
    ],
  ])
  if (setting === undefined) return DEFAULT_CONNECT_TIMEOUT_MS
  const ms = Number(setting.value)
  if (!Number.isFinite(ms) || ms < 0) {
    throw new DsqlConfigError(
      `${setting.from} must be a non-negative number (connectionTimeoutMillis is milliseconds; ` +
        `connect_timeout and PGCONNECT_TIMEOUT are seconds). Remove it to use ${DEFAULT_CONNECT_TIMEOUT_MS} ms.`,
      { option: setting.from },
    )
  }
  return ms
}

export function resolveMaxLifetime(value: unknown): number {
  const seconds = resolveNonNegative(value, 'maxLifetimeSeconds', DEFAULT_MAX_LIFETIME_SEC)
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
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new DsqlConfigError(
      `${name} must be a non-negative number; got "${String(value)}". Remove it to use ${fallback}.`,
      {
        option: name,
      },
    )
  }
  return value
}
