import type pg from 'pg'

/** A node-style query callback, as pg calls them. */
export type QueryCallback = (error: Error | null | undefined, result?: pg.QueryResult) => void

/**
 * pg's calling convention: `query(text, callback)` or `query(text, values, callback)`. Returns
 * the values and the callback, whichever way they came.
 */
export function splitQueryArguments(
  values: unknown,
  callback: unknown,
): [unknown, QueryCallback | undefined] {
  if (typeof values === 'function') return [undefined, values as QueryCallback]
  return [values, typeof callback === 'function' ? (callback as QueryCallback) : undefined]
}

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
