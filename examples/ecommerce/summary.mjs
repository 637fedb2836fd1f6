// The end of the run: the summary and the invariants on the terminal, then the HTML report.
// Returns the exit code: 0 when every invariant holds, 1 otherwise.
import { writeFileSync } from 'node:fs'
import { renderChart } from './chart-svg.mjs'
import { REGIONS } from './emulator-process.mjs'
import { exitCodeOf } from './invariants.mjs'
import { renderReport } from './report-html.mjs'

const ms = (value) => (Number.isNaN(value) ? '-' : `${Math.round(value)} ms`)
const share = (part, whole) => `${whole === 0 ? 0 : Math.round((100 * part) / whole)}%`

/** The chart of a finished run; docs/demo-chart.svg is this, from a real run. */
export function chartOf({ recorder, regions, plan }) {
  const at = (kind) => recorder.timeline.find((event) => event.kind === kind)?.atSec
  const isolatedAt = at('isolate')
  const markers = recorder.timeline
    .filter((event) => event.kind === 'failover' || event.kind === 'failback')
    .map((event) => ({ atSec: event.atSec, label: event.kind }))
  return renderChart({
    title: 'Orders placed per second, by the Region that served them',
    // Whole seconds only: a last partial second would look like a drop.
    seconds: recorder.seconds.slice(0, Math.max(1, Math.floor(recorder.elapsedSec()))),
    regions,
    markers,
    ...(plan === undefined || isolatedAt === undefined
      ? {}
      : { outage: { fromSec: isolatedAt, toSec: at('heal'), label: `${REGIONS.near} isolated` } }),
  })
}

/** Counters from the Prometheus adapter's registry, pool label left out. */
async function prometheusCounters(registry) {
  const metrics = await registry.getMetricsAsJSON()
  return metrics
    .filter((metric) => metric.type === 'counter')
    .flatMap((metric) =>
      metric.values.map((value) => ({
        name: metric.name,
        labels: Object.entries(value.labels)
          .filter(([key]) => key !== 'pool')
          .map(([key, label]) => `${key}="${label}"`)
          .join(', '),
        value: value.value,
      })),
    )
}

export async function finish({
  say,
  flags,
  startedAt,
  regions,
  recorder,
  pool,
  registry,
  invariants,
  plan,
  tokens,
  emulatorStats,
  setup,
}) {
  const totals = recorder.totals()
  const { counters } = pool.stats()
  const conflicts = counters.occConflicts.data + counters.occConflicts.schema
  say()
  say(
    `Summary: ${totals.placed} orders placed in ${totals.elapsedSec.toFixed(1)} s ` +
      `(${(totals.placed / totals.elapsedSec).toFixed(1)}/s), ${totals.outOfStock} turned away out of stock, ` +
      `${totals.browses} pages browsed, ${totals.errors} errors seen by shoppers.`,
  )
  for (const region of regions) {
    const latency = totals.latencyByRegion[region]
    say(
      `  ${region.padEnd(10)} ${String(totals.byRegion[region]).padStart(6)} orders (${share(totals.byRegion[region], totals.placed).padStart(4)})` +
        `   p50 ${ms(latency.p50Ms).padStart(7)}   p99 ${ms(latency.p99Ms).padStart(7)}`,
    )
  }
  say(
    `  conflicts retried ${conflicts}, transaction retries ${counters.retries.transaction}, ` +
      `tokens signed ${tokens.signed} for ${counters.connectionsOpened} connections opened, ` +
      `failovers ${counters.failovers}, failbacks ${counters.failbacks}.`,
  )
  say()
  say('Invariants:')
  for (const check of invariants.checks)
    say(`  ${check.ok ? 'ok    ' : 'BROKEN'} ${check.name}: ${check.detail}`)

  const chartSvg = chartOf({ recorder, regions, plan })
  const perRegion = regions.map((region) => [
    region,
    String(totals.byRegion[region]),
    share(totals.byRegion[region], totals.placed),
    ms(totals.latencyByRegion[region].p50Ms),
    ms(totals.latencyByRegion[region].p99Ms),
  ])
  const summary = [
    ['Orders placed', `${totals.placed} (${(totals.placed / totals.elapsedSec).toFixed(1)}/s)`],
    ['Turned away out of stock (a business outcome)', String(totals.outOfStock)],
    ['Pages browsed (read-only)', String(totals.browses)],
    ['Order latency p50 / p99', `${ms(totals.p50Ms)} / ${ms(totals.p99Ms)}`],
    ['Conflicts retried', String(conflicts)],
    ['Tokens signed (cached per endpoint, none on the query path)', String(tokens.signed)],
    ['Connections opened', String(counters.connectionsOpened)],
    ['Failovers / failbacks', `${counters.failovers} / ${counters.failbacks}`],
    ['Errors seen by shoppers', totals.errors === 0 ? '0' : JSON.stringify(totals.errorsByKind)],
    ['COMMIT outcomes left unknown to a shopper', String(totals.unknown)],
  ]
  if (emulatorStats !== undefined) {
    for (const region of regions) {
      const stats = emulatorStats.regions[region]
      summary.push([
        `Emulator counters, ${region}`,
        `${stats.TotalTransactions} transactions, ${stats.OccConflicts} OCC conflicts`,
      ])
    }
  }
  const html = renderReport({
    title: 'pg-dsql demo: a global shop on two Regions',
    generatedAt: startedAt.toISOString(),
    setup: [
      ['Cluster', setup],
      ['Shoppers', String(flags.shoppers)],
      ['Duration', `${flags.durationSec} s (${totals.elapsedSec.toFixed(1)} s shopped)`],
      [
        'Outage',
        plan === undefined
          ? 'none'
          : `${REGIONS.near} isolated at ${plan.isolateAtSec} s, healed at ${plan.healAtSec} s (planned)`,
      ],
    ],
    chartSvg,
    summary,
    perRegion,
    invariants,
    timeline: recorder.timeline,
    metrics: await prometheusCounters(registry),
  })
  writeFileSync(flags.reportPath, html)
  say()
  say(`Report: ${flags.reportPath}`)
  return exitCodeOf(invariants)
}
