import type pg from 'pg'
import type { ResolvedEndpoint } from '../config/index.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import { type ConnectTarget, EndpointSocket } from './endpoint-socket.js'
import { persistentRefusal } from './persistent-refusal.js'

/** A fresh, unfrozen pg config for one client: pg writes into what it is given. */
export function pgClientConfig(runtime: DsqlRuntime, target: ConnectTarget): pg.ClientConfig {
  const { config, tokens } = runtime
  const first = config.endpoints[0] as ResolvedEndpoint
  const clientConfig: pg.ClientConfig & Record<string, unknown> = {
    ...config.pgOptions,
    host: first.host,
    port: first.port,
    user: config.user,
    database: config.database,
    application_name: config.applicationName,
    ssl: config.ssl === false ? false : { ...config.ssl },
    connectionTimeoutMillis: config.connectTimeoutMs,
    stream: () => new EndpointSocket(target),
    // pg calls this only when the server asks for a password, once per physical connection.
    password: () => {
      const endpoint = target.endpoint ?? first
      const key = runtime.tokenKey(endpoint, config.tokenAction)
      const refusal = persistentRefusal(tokens, key, config.user)
      if (refusal !== undefined) throw refusal
      const token = tokens.token(key)
      if (typeof token === 'string') {
        target.token = token
        return token
      }
      return token.then((minted) => {
        target.token = minted
        return minted
      })
    },
  }
  if (config.sslnegotiation !== undefined) clientConfig.sslnegotiation = config.sslnegotiation
  return clientConfig
}
