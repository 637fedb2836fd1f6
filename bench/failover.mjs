// A Region outage under steady load: two emulated Regions (us-east-1 near at 2 ms, us-east-2 far
// at 40 ms, 10 ms between them), 8 workers running `SELECT 1` back to back; the near Region is
// isolated at t = 5 s and healed at t = 15 s, the run ends at t = 20 s. Once with the isolation
// refusing new connections (`refuse`), once accepting them and never answering (`blackhole`);
// open connections are dropped in both. pg-dsql is given both endpoints with its defaults; AWS's
// connector takes one host (the near one), so it is run the same way to show what an app
// without failover sees. Reported: time to recover (from the isolation to the start of the 250 ms
// window from which every window until the heal completes queries and surfaces no error),
// errors surfaced to the caller, time to fail
// back after the heal, and queries per second per Region over time, read from the emulator's own
// counters (`QueryCount`) twice a second. One run per contender and mode.
//
//   npm run bench -- failover [--quick] [--json FILE]
import { readFileSync } from 'node:fs'
import { AuroraDSQLPool } from '@aws/aurora-dsql-node-postgres-connector'
import { DsqlPool } from 'pg-dsql'
import { startEmbeddedBackend } from 'pg-dsql-emulator'
import { startEmulatorProcess } from './lib/emulator-process.mjs'
import { redirectTo } from './lib/redirect-socket.mjs'
import { fmt, isQuick, makeReport, printReport, ratioOf } from './lib/report.mjs'

const NEAR = 'us-east-1'
const FAR = 'us-east-2'
const MODES = ['refuse', 'blackhole']
const WORKERS = 8
const WINDOW_MS = 250
const STATS_EVERY_MS = 500

export async function run(argv) {
  const quick = isQuick(argv)
  // Seconds from the start of the load: isolate, heal, end.
  const timeline = quick ? { isolateAt: 1, healAt: 2.5, endAt: 3.5 } : { isolateAt: 5, healAt: 15, endAt: 20 }
  const backend = await startEmbeddedBackend()
  const emulator = await startEmulatorProcess({
    regions: [NEAR, FAR],
    backend: backend.url,
    latencyMs: { [NEAR]: 2, [FAR]: 40 },
    interRegionRttMs: 10,
  })
  const ca = readFileSync(emulator.caCertPath, 'utf8')
  const near = emulator.endpoints.find((endpoint) => endpoint.region === NEAR)
  const contenders = {
    'pg-dsql': () =>
      new DsqlPool({
        endpoints: emulator.endpoints.map((e) => `${e.host}@${e.address}:${e.port}`),
        credentials: emulator.credentials,
        ssl: { ca },
        max: WORKERS,
      }),
    "AWS's connector": () =>
      new AuroraDSQLPool({
        host: near.host,
        port: near.port,
        user: 'admin',
        region: NEAR,
        customCredentialsProvider: emulator.credentials,
        ssl: { ca, servername: near.host },
        stream: redirectTo(near.address, near.port),
        max: WORKERS,
      }),
  }
  const runs = {}
  try {
    for (const mode of MODES) {
      for (const [name, makePool] of Object.entries(contenders)) {
        runs[`${name}, ${mode}`] = await outage(emulator, makePool, mode, timeline)
      }
    }
  } finally {
    await emulator.stop()
    await backend.stop()
  }
  const results = Object.fromEntries(
    Object.entries(runs).map(([key, r]) => [
      key,
      {
        recoverMs: r.recoverMs,
        failbackMs: r.failbackMs,
        errorsSurfaced: r.errors,
        errorCodes: r.errorCodes,
        queries: r.queries,
        perSecondBefore: r.perSecondBefore,
        perSecondDuringOutage: r.perSecondDuringOutage,
        perRegion: r.perRegion,
      },
    ]),
  )
  const ours = (mode) => results[`pg-dsql, ${mode}`]
  const aws = (mode) => results[`AWS's connector, ${mode}`]
  const seconds = (ms) => (ms === null ? 'not before the heal' : fmt.ms(ms))
  const report = makeReport({
    benchmark: 'failover',
    title: `failover: ${NEAR} isolated at t = ${timeline.isolateAt} s, healed at t = ${timeline.healAt} s, ${WORKERS} workers`,
    about:
      `Two emulated Regions (${NEAR} near at 2 ms, ${FAR} far at 40 ms, 10 ms between them) under steady load ` +
      `(${WORKERS} workers, \`SELECT 1\` back to back). The near Region is isolated at t = ${timeline.isolateAt} s and ` +
      `healed at t = ${timeline.healAt} s: \`refuse\` resets new connections, \`blackhole\` accepts them and never ` +
      "answers; open connections are dropped in both. pg-dsql gets both endpoints and its defaults; AWS's connector " +
      'takes one host, the near one (no failover), with its defaults. Time to recover: from the isolation to the ' +
      `start of the ${WINDOW_MS} ms window from which every window until the heal completes queries and surfaces ` +
      'no error. Back on the near Region: from the heal until the near Region serves more queries than the far ' +
      "one. Queries per Region come from the emulator's own counters.",
    settings: { ...timeline, workers: WORKERS, windowMs: WINDOW_MS, quick },
    results,
    ratios: {
      // Queries per second served during the outage, ours over AWS's connector's (at least 1).
      outageThroughputVsAwsConnectorRefuse: ratioOf(
        ours('refuse').perSecondDuringOutage,
        Math.max(1, aws('refuse').perSecondDuringOutage),
      ),
      outageThroughputVsAwsConnectorBlackhole: ratioOf(
        ours('blackhole').perSecondDuringOutage,
        Math.max(1, aws('blackhole').perSecondDuringOutage),
      ),
    },
    tables: [
      {
        columns: [
          'Contender, mode',
          'Time to recover',
          'Errors surfaced',
          'Queries/s before',
          'Queries/s during outage',
          'Back on the near Region after the heal',
        ],
        rows: Object.entries(results).map(([key, r]) => [
          key,
          seconds(r.recoverMs),
          `${fmt.int(r.errorsSurfaced)}${
            Object.keys(r.errorCodes).length > 0
              ? ` (${Object.entries(r.errorCodes)
                  .map(([code, n]) => `${code}: ${n}`)
                  .join(', ')})`
              : ''
          }`,
          fmt.int(r.perSecondBefore),
          fmt.int(r.perSecondDuringOutage),
          r.failbackMs === null ? 'n/a' : fmt.ms(r.failbackMs),
        ]),
      },
    ],
    chart: {
      kind: 'line',
      title: `Queries/s per Region through a black-holed outage (${NEAR} isolated ${timeline.isolateAt}-${timeline.healAt} s)`,
      xLabel: 'seconds',
      yLabel: 'queries/s',
      spans: [{ from: timeline.isolateAt, to: timeline.healAt, label: `${NEAR} isolated` }],
      series: [
        ...[NEAR, FAR].map((region) => ({
          name: `pg-dsql via ${region}`,
          points: ours('blackhole').perRegion[region],
        })),
        { name: "AWS's connector (near only)", points: aws('blackhole').perRegion[NEAR] },
      ],
    },
  })
  printReport(report)
  return report
}

/** One contender through one outage; returns client-side windows and per-Region rates. */
async function outage(emulator, makePool, mode, { isolateAt, healAt, endAt }) {
  const pool = makePool()
  pool.on('error', () => {})
  // Warm: open the connections and let routing finish its first probe round.
  await Promise.all(Array.from({ length: WORKERS }, () => pool.query('SELECT 1').catch(() => {})))
  await sleep(1000)
  const windows = Array.from({ length: Math.ceil((endAt * 1000) / WINDOW_MS) }, () => ({ ok: 0, errors: 0 }))
  const errorCodes = {}
  let errors = 0
  const startedAt = performance.now()
  const deadline = startedAt + endAt * 1000
  const windowAt = () =>
    windows[Math.min(windows.length - 1, Math.floor((performance.now() - startedAt) / WINDOW_MS))]
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        await pool.query('SELECT 1')
        windowAt().ok++
      } catch (error) {
        errors++
        windowAt().errors++
        const code = error?.code ?? String(error?.message ?? error).slice(0, 48)
        errorCodes[code] = (errorCodes[code] ?? 0) + 1
        // An app pauses after a failure rather than spin.
        await sleep(10)
      }
    }
  }
  const counts = []
  const sampleStats = async () => {
    const stats = await emulator.stats()
    counts.push({
      t: (performance.now() - startedAt) / 1000,
      [NEAR]: stats.regions[NEAR].QueryCount,
      [FAR]: stats.regions[FAR].QueryCount,
    })
  }
  await sampleStats()
  const sampler = setInterval(() => sampleStats().catch(() => {}), STATS_EVERY_MS)
  const script = (async () => {
    await sleep(isolateAt * 1000)
    await emulator.isolate(NEAR, { mode })
    await sleep((healAt - isolateAt) * 1000)
    await emulator.heal(NEAR)
  })()
  // Calls stuck on a black hole may never settle: stop waiting at the deadline (plus a grace).
  const workers = Promise.all(Array.from({ length: WORKERS }, worker))
  await Promise.race([workers, sleep(endAt * 1000 + 3000)])
  await script
  clearInterval(sampler)
  await Promise.race([pool.end().catch(() => {}), sleep(2000)])

  const before = windows.slice(0, Math.floor((isolateAt * 1000) / WINDOW_MS))
  const baseline = before.reduce((n, w) => n + w.ok, 0) / Math.max(1, before.length)
  const outageWindows = windows.slice(
    Math.floor((isolateAt * 1000) / WINDOW_MS),
    Math.floor((healAt * 1000) / WINDOW_MS),
  )
  // Recovered: from the start of the earliest window after the isolation from which every window
  // until the heal completes queries and surfaces no error.
  const isolateWindow = Math.floor((isolateAt * 1000) / WINDOW_MS)
  const healWindow = Math.floor((healAt * 1000) / WINDOW_MS)
  let recoverMs = null
  for (let i = healWindow - 1; i > isolateWindow && windows[i].ok > 0 && windows[i].errors === 0; i--)
    recoverMs = i * WINDOW_MS - isolateAt * 1000
  const perRegion = { [NEAR]: [], [FAR]: [] }
  let failbackMs = null
  for (let i = 1; i < counts.length; i++) {
    const dt = counts[i].t - counts[i - 1].t
    const t = Number(counts[i].t.toFixed(2))
    const nearRate = (counts[i][NEAR] - counts[i - 1][NEAR]) / dt
    const farRate = (counts[i][FAR] - counts[i - 1][FAR]) / dt
    perRegion[NEAR].push([t, Math.round(nearRate)])
    perRegion[FAR].push([t, Math.round(farRate)])
    if (failbackMs === null && counts[i].t > healAt && nearRate > farRate && nearRate > 0)
      failbackMs = Math.round((counts[i].t - healAt) * 1000)
  }
  return {
    recoverMs,
    failbackMs,
    errors,
    errorCodes,
    queries: windows.reduce((n, w) => n + w.ok, 0),
    perSecondBefore: (baseline * 1000) / WINDOW_MS,
    perSecondDuringOutage:
      (outageWindows.reduce((n, w) => n + w.ok, 0) * 1000) / Math.max(1, outageWindows.length * WINDOW_MS),
    perRegion,
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
