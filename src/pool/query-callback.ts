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

/** What a query method does with a call: run it with a callback, or hand it on unchanged. */
export interface QueryMethodParts<S> {
  /** True to pass this call on untouched (to pg's own method). */
  readonly passOn: (self: S, query: unknown) => boolean
  readonly original: (this: S, query: unknown, values?: unknown, callback?: unknown) => unknown
  /** Runs the query and answers `callback` once. */
  readonly run: (self: S, query: unknown, values: unknown, callback: QueryCallback) => void
}

/**
 * A `query` method in pg's calling convention, `(text, callback)`, `(text, values, callback)` or
 * a promise without a callback, over `run`. Installed on a prototype, so the type declarations
 * keep pg's own overloads; nothing is allocated per call beyond what pg allocates.
 */
export function queryMethod<S>({ passOn, original, run }: QueryMethodParts<S>) {
  return function query(this: S, text: unknown, values?: unknown, callback?: unknown): unknown {
    if (passOn(this, text)) return original.call(this, text, values, callback)
    if (typeof values === 'function') {
      run(this, text, undefined, values as QueryCallback)
      return undefined
    }
    if (typeof callback === 'function') {
      run(this, text, values, callback as QueryCallback)
      return undefined
    }
    return queryPromise((done) => run(this, text, values, done))
  }
}
