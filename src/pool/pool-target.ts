import type pg from 'pg'
import { errorVerdict } from '../errors/index.js'
import type { RetryTarget, SendCallback } from '../retry/index.js'
import type { DsqlRuntime } from './dsql-runtime.js'
import { clientQuery, isBetweenTransactions, transactionStatus } from './pg-pool-bridge.js'

/** A checked-out pooled connection, as the pool's retry target sees it. */
interface PooledClient extends pg.PoolClient {
  readonly endpoint: DsqlRuntime['config']['endpoints'][number] | undefined
}

/** What the pool's retry target needs from DsqlPool: its retrying connect. */
interface ConnectingPool<C extends PooledClient> {
  connect(): Promise<C>
  connect(callback: (error: Error | undefined, client?: C) => void): void
}

/** The runner hears a leased connection's failure through its failed query. */
function ignoreLeaseError(): void {}

/**
 * DsqlPool as the retry runners see it: a fresh, healthy connection per attempt (through the
 * pool's retrying connect), and a statement path that keeps a connection whose statement failed
 * while it stayed healthy and idle (pg-pool closes it; on DSQL each new connection costs TLS, a
 * token and a share of the 100-per-second connection rate).
 */
export function poolRetryTarget<C extends PooledClient>(
  pool: ConnectingPool<C>,
  runtime: DsqlRuntime,
): RetryTarget<C> {
  return {
    canReconnect: true,
    retry: runtime.retry,
    events: runtime.events,
    markers: runtime.markers,
    acquire: async () => {
      const client = await pool.connect()
      // A connection that drops mid-transaction also emits 'error' on the client; the runner
      // learns of it from the failed query, and an unheard 'error' would crash the process.
      client.on('error', ignoreLeaseError)
      return {
        client,
        release: (destroy) => {
          client.removeListener('error', ignoreLeaseError)
          client.release(destroy)
        },
      }
    },
    send: (text, values, done) => {
      pool.connect((connectError, client) => {
        if (connectError !== undefined || client === undefined) done(connectError, undefined, 'unsent', true)
        else sendOn(client, runtime, text, values, done)
      })
    },
  }
}

/** One statement on a checked-out connection, then the connection goes back (or is closed). */
function sendOn(
  client: PooledClient,
  runtime: DsqlRuntime,
  text: unknown,
  values: unknown,
  done: SendCallback,
): void {
  let settled = false
  const autocommit = isBetweenTransactions(client)
  const finish = (error: Error | null | undefined, result?: unknown) => {
    if (settled) return
    settled = true
    client.removeListener('error', finish)
    if (error === null || error === undefined) {
      client.release()
      // pg-pool's query() answers a success with `undefined` as the error (pg.Client's, with null).
      done(undefined, result, 'idle', autocommit)
      return
    }
    const verdict = errorVerdict(error)
    const endpoint = client.endpoint
    if (endpoint !== undefined && verdict.endpointFault) runtime.router.suspect(endpoint)
    // Kept only when healthy: after DSQL's "server unavailable" a retry on the same connection would
    // meet the same Region; a new connection goes where the router says.
    const idle = !verdict.connectionLost && !verdict.endpointFault && transactionStatus(client) === 'I'
    client.release(idle ? undefined : error)
    done(error, result, idle ? 'idle' : 'busy', autocommit)
  }
  // A connection that dies mid-query reports on the client; answer the caller once.
  client.once('error', finish)
  try {
    clientQuery.call(client, text, values, finish)
  } catch (error) {
    finish(error as Error)
  }
}
