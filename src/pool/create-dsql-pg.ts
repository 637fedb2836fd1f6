import pg from 'pg'
import type { DsqlClientConfig, DsqlPoolConfig } from '../config/index.js'
import { DsqlClient } from './dsql-client.js'
import { DsqlContext } from './dsql-context.js'
import { DsqlPool } from './dsql-pool.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import { carried } from './pg-pool-bridge.js'

/** A pg-shaped module whose `Pool` and `Client` are pg-dsql's, for ORMs that take a pg module. */
export type DsqlPgModule = Omit<typeof pg, 'Pool' | 'Client' | 'native'> & {
  Pool: typeof DsqlPool
  Client: typeof DsqlClient
}

/**
 * Returns `{ ...pg, Pool, Client }` where `Pool` and `Client` apply `defaults` under each
 * caller's config, for ORMs that construct `new module.Pool(theirConfig)` or
 * `new module.Client(theirConfig)` (TypeORM's `driver`, Sequelize's `dialectModule`,
 * pg-promise's `pgp.pg`). Pools and clients from one module share credential providers and
 * token caches. There is no `native` key: ORMs that find one switch to pg-native.
 *
 * @example
 * new DataSource({ type: 'postgres', driver: createDsqlPg({ endpoints }), ... })
 */
export function createDsqlPg(defaults: DsqlPoolConfig = {}): DsqlPgModule {
  const context = new DsqlContext()
  const withDefaults = <T extends object>(config: T | string | undefined): T =>
    (typeof config === 'string'
      ? { ...defaults, connectionString: config }
      : overDefaults(defaults, config)) as T

  class Pool extends DsqlPool {
    constructor(config?: DsqlPoolConfig) {
      super(withDefaults(config), context)
    }
  }

  class Client extends DsqlClient {
    constructor(config?: string | DsqlClientConfig) {
      super(carriesRuntime(config) ? config : withDefaults<DsqlClientConfig>(config), context)
    }
  }

  const { native: _native, ...rest } = pg as typeof pg & { native?: unknown }
  return { ...rest, Pool, Client } as DsqlPgModule
}

/**
 * `config` over `defaults`, key by key, where a key set to `undefined` keeps the default: ORMs
 * build pg options with every key they know (TypeORM's `max: options.poolSize`, `user:
 * credentials.username`), so an unset ORM option must not erase the role or pool size given to
 * `createDsqlPg`.
 */
function overDefaults(defaults: object, config: object | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults }
  if (config === undefined || config === null) return merged
  for (const [key, value] of Object.entries(config)) if (value !== undefined) merged[key] = value
  return merged
}

function carriesRuntime(config: unknown): config is DsqlClientConfig {
  return carried<DsqlRuntime>(config) !== undefined
}

/** The pg-shaped module with no defaults: `env` and each caller's config decide. */
export const dsqlPg: DsqlPgModule = createDsqlPg()
