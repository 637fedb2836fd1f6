import { availableParallelism, cpus } from 'node:os'
import { parseArgs } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// A full collection before each measurement, so no contender pays for the garbage the one
// measured before it left (AWS's connector signs a token per query; an OpenTelemetry SDK records
// into its own structures): without it, whoever runs next in the alternation absorbs that
// collection in its CPU and latency.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc')

/** Collects garbage now: call before measuring. */
export function settle() {
  collectGarbage()
}

// Fixed-duration load: `workers` loops each run `task()` back to back until the time is up.
// Returns completed tasks per second, latency percentiles in milliseconds, and this process's CPU
// time per task in microseconds (what the client library itself costs, whatever the machine's noise).
// Garbage is collected first (see `settle`).
export async function measure(task, { workers, durationMs }) {
  settle()
  const latencies = []
  let count = 0
  const deadline = performance.now() + durationMs
  const loop = async () => {
    while (performance.now() < deadline) {
      const startedAt = performance.now()
      await task()
      latencies.push(performance.now() - startedAt)
      count++
    }
  }
  const startedAt = performance.now()
  const cpuBefore = process.cpuUsage()
  await Promise.all(Array.from({ length: workers }, loop))
  const cpu = process.cpuUsage(cpuBefore)
  const elapsedMs = performance.now() - startedAt
  latencies.sort((a, b) => a - b)
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
  return {
    perSecond: (count * 1000) / elapsedMs,
    p50: at(0.5),
    p99: at(0.99),
    cpuMicrosPerTask: (cpu.user + cpu.system) / Math.max(1, count),
    count,
  }
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function machine() {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
  }
}

/** The options every benchmark takes: `--duration-ms`, `--rounds`, `--workers` (and `--json`, read by run.mjs). */
export function benchSettings(argv, defaults) {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'string' },
      'duration-ms': { type: 'string' },
      rounds: { type: 'string' },
      workers: { type: 'string' },
    },
    strict: false,
  })
  return {
    durationMs: Number(values['duration-ms'] ?? defaults.durationMs),
    rounds: Number(values.rounds ?? defaults.rounds),
    workers: Number(values.workers ?? defaults.workers),
  }
}
