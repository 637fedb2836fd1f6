import { DsqlPool } from '../../../src/index.js'
import { optionsFor } from '../../support/dsql-options.js'
import { startTestEmulator } from '../../support/emulator.js'

/**
 * Two Regions with the near one (us-east-1, 1 ms) faster than the far one (us-east-2), and a
 * table of 16 counters for the workload.
 */
export async function startTwoRegions(table: string, farLatencyMs: number) {
  const emulator = await startTestEmulator({ latencyMs: { 'us-east-1': 1, 'us-east-2': farLatencyMs } })
  const setup = new DsqlPool(optionsFor(emulator))
  await setup.query(`CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`)
  await setup.query(`INSERT INTO ${table} SELECT i, 0 FROM generate_series(0, 15) AS i`)
  await setup.end()
  return emulator
}

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

/**
 * The longest stretch, from `from` to `to`, with nothing served: what an app would see as a
 * stall. The stretch from `from` to the first success after it counts too.
 */
export function longestGapMs(log: WorkloadLog, from: number, to: number): number {
  const times = log.served
    .map((served) => served.at)
    .filter((at) => at > from && at <= to)
    .sort((a, b) => a - b)
  let longest = 0
  let previous = from
  for (const at of times) {
    longest = Math.max(longest, at - previous)
    previous = at
  }
  return Math.max(longest, to - previous)
}
