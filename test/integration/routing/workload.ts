import type { DsqlPool } from '../../../src/index.js'

/** What the steady load saw: every success (transactions with the Region that served them), every error. */
export interface WorkloadLog {
  readonly served: {
    readonly at: number
    readonly region: string | undefined
    readonly kind: 'read' | 'write'
  }[]
  readonly errors: unknown[]
}

/**
 * Steady load like an app's: `workers` loops, each alternating a read-only query and a retried
 * transaction that increments a counter and reports which Region served it. Runs until `stop()`.
 * `commits` counts each worker's committed increments, to check the counters afterwards.
 */
export function startWorkload(pool: DsqlPool, table: string, workers = 6) {
  const log: WorkloadLog = { served: [], errors: [] }
  let running = true
  const loop = async (worker: number) => {
    for (let i = 0; running; i++) {
      try {
        if (i % 2 === 0) {
          await pool.query('SELECT 1')
          log.served.push({ at: performance.now(), region: undefined, kind: 'read' })
        } else {
          // exactlyOnce: a COMMIT in flight when the Region drops its connections has an unknown
          // outcome; the marker settles it instead of failing the work.
          const region = await pool.transaction(
            async (client) => {
              await client.query(`UPDATE ${table} SET n = n + 1 WHERE id = $1`, [worker])
              return client.endpoint?.region ?? '?'
            },
            { exactlyOnce: true },
          )
          log.served.push({ at: performance.now(), region, kind: 'write' })
        }
      } catch (error) {
        log.errors.push(error)
      }
    }
  }
  const done = Promise.all(Array.from({ length: workers }, (_, worker) => loop(worker)))
  return {
    log,
    async stop() {
      running = false
      await done
    },
  }
}

/** Resolves when `predicate` holds for the log, checking every 10 ms, or rejects after `timeoutMs`. */
export function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const poll = setInterval(() => {
      if (predicate()) {
        clearInterval(poll)
        resolve()
      } else if (performance.now() - started > timeoutMs) {
        clearInterval(poll)
        reject(new Error(`${what} did not happen within ${timeoutMs} ms`))
      }
    }, 10)
  })
}
