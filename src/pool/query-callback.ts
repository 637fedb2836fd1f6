import type pg from 'pg'

/** A node-style query callback, as pg calls them. */
export type QueryCallback = (error: Error | null | undefined, result?: pg.QueryResult) => void

/**
 * The promise form of a query started with a callback. Like pg, it points a failure's stack at
 * the caller rather than at the socket callback that delivered it.
 */
export function queryPromise(start: (done: QueryCallback) => void): Promise<pg.QueryResult> {
  return new Promise<pg.QueryResult>((resolve, reject) => {
    start((error, result) => (error ? reject(error) : resolve(result as pg.QueryResult)))
  }).catch((error: Error) => {
    Error.captureStackTrace(error)
    throw error
  })
}
