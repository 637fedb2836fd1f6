import { inlineParameters } from './inline-parameters.js'
import { isKeptStatement } from './orm-migration.js'

type QueryCallback = (error: null, result: RecordedResult) => void

interface RecordedResult {
  readonly rows: never[]
  readonly rowCount: number
  readonly command: string
  readonly fields: never[]
}

/** A pg-shaped connection that records what it is sent and answers every query with no rows. */
export interface RecordingConnection {
  readonly processID: number
  release(destroy?: unknown): void
  query(
    query: string | { text: string; values?: unknown[] },
    valuesOrCallback?: unknown[] | QueryCallback,
    callback?: QueryCallback,
  ): Promise<RecordedResult> | undefined
}

/** The subset of pg.Pool that Knex (`connectionPool`) and Kysely (`PostgresDialect`) use. */
export interface RecordingPool {
  connect(): Promise<RecordingConnection>
  end(): Promise<void>
  readonly options: Record<string, never>
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
}

/**
 * A stand-in for pg.Pool that never connects: every query's SQL, bind values written in as
 * literals, is added to `statements`. Transaction control and reads are left out.
 */
export function recordingPool(): { pool: RecordingPool; statements: string[] } {
  const statements: string[] = []
  const connection: RecordingConnection = {
    processID: 0,
    release() {},
    query(query, valuesOrCallback, callback) {
      const text = typeof query === 'string' ? query : query.text
      const values = Array.isArray(valuesOrCallback)
        ? valuesOrCallback
        : typeof query === 'string'
          ? []
          : query.values
      const done = typeof valuesOrCallback === 'function' ? valuesOrCallback : callback
      if (isKeptStatement(text)) statements.push(inlineParameters(text, values))
      const command = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? ''
      const result: RecordedResult = { rows: [], rowCount: 0, command, fields: [] }
      if (done === undefined) return Promise.resolve(result)
      setImmediate(() => done(null, result))
      return undefined
    },
  }
  const pool: RecordingPool = {
    connect: async () => connection,
    end: async () => {},
    options: {},
    totalCount: 0,
    idleCount: 0,
    waitingCount: 0,
  }
  return { pool, statements }
}
