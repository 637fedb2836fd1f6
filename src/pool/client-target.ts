import type pg from 'pg'
import type { ResolvedEndpoint } from '../config/index.js'
import { errorVerdict } from '../errors/index.js'
import type { RetryTarget } from '../retry/index.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import { clientQuery, isBetweenTransactions, transactionStatus } from './pg-pool-bridge.js'

/** A lone DsqlClient, as its retry target sees it. */
interface LoneClient extends pg.Client {
  readonly endpoint: ResolvedEndpoint | undefined
}

/** While a transaction runs, a dropped connection's 'error' is heard here; the runner learns of it from the failed query. */
function ignoreTransactionError(): void {}

/**
 * A lone DsqlClient as the retry runners see it: it lends itself, and cannot replace its
 * connection when it dies, so after a lost connection nothing is sent again.
 */
export function clientRetryTarget<C extends LoneClient>(client: C, runtime: DsqlRuntime): RetryTarget<C> {
  return {
    canReconnect: false,
    retry: runtime.retry,
    events: runtime.events,
    markers: runtime.markers,
    acquire: () => {
      client.on('error', ignoreTransactionError)
      return Promise.resolve({
        client,
        release: () => client.removeListener('error', ignoreTransactionError),
      })
    },
    send: (text, values, done) => {
      const autocommit = isBetweenTransactions(client)
      clientQuery.call(client, text, values, (error: Error | null | undefined, result?: unknown) => {
        if (error === null || error === undefined) {
          done(error, result, 'idle', autocommit)
          return
        }
        // DSQL's "server unavailable" may mean the Region went dark: let the router check. (A
        // connection that died is heard from its 'end' event.)
        const verdict = errorVerdict(error)
        const endpoint = client.endpoint
        if (endpoint !== undefined && verdict.endpointFault && !verdict.connectionLost)
          runtime.router.suspect(endpoint)
        done(error, result, transactionStatus(client) === 'I' ? 'idle' : 'busy', autocommit)
      })
    },
  }
}
