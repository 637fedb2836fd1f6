import type pg from 'pg'
import type { DsqlPoolConfig, ResolvedEndpoint } from '../config/index.js'
import { DsqlConfigError } from '../errors/index.js'
import { DsqlClient } from './dsql-client.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import { carry } from './pg-pool-bridge.js'

/**
 * What pg-pool gets: the user's pool options, the resolved connection settings (so ORMs that
 * read `pool.options` see the endpoint), our client class, and the runtime its clients share.
 */
export function poolOptions(
  runtime: DsqlRuntime,
  config: DsqlPoolConfig | undefined,
  Client: typeof DsqlClient,
): pg.PoolConfig {
  const { config: resolved } = runtime
  const first = resolved.endpoints[0] as ResolvedEndpoint
  const options: pg.PoolConfig & Record<string | symbol, unknown> = {
    ...resolved.pgOptions,
    host: first.host,
    port: first.port,
    user: resolved.user,
    database: resolved.database,
    application_name: resolved.applicationName,
    ssl: resolved.ssl === false ? false : { ...resolved.ssl },
    idleTimeoutMillis: resolved.idleTimeoutMillis,
    // pg-pool retires at this bound too; each connection's own, earlier draw comes first.
    maxLifetimeSeconds: resolved.maxLifetimeSeconds,
    Client: Client as unknown as typeof pg.Client,
  }
  // pg-pool's connectionTimeoutMillis also bounds waiting for a free client: only the user sets
  // that. The physical connect timeout (default 5 s) reaches clients through the runtime.
  const userTimeout = (config as { connectionTimeoutMillis?: number } | undefined)?.connectionTimeoutMillis
  if (userTimeout === undefined) delete options.connectionTimeoutMillis
  else options.connectionTimeoutMillis = userTimeout
  // Every client the pool creates runs with this pool's runtime.
  return carry(options, runtime)
}

/** The pool's `Client` option: DsqlClient or a subclass, since a plain pg.Client signs no token. */
export function clientClassOf(config: DsqlPoolConfig | undefined): typeof DsqlClient {
  const Client = (config as { Client?: unknown } | undefined)?.Client ?? DsqlClient
  if (typeof Client !== 'function' || !(Client === DsqlClient || Client.prototype instanceof DsqlClient)) {
    throw new DsqlConfigError(
      'Client must be DsqlClient or a class that extends it; a plain pg.Client cannot sign DSQL tokens. ' +
        'Extend DsqlClient instead.',
      { option: 'Client' },
    )
  }
  return Client as typeof DsqlClient
}
