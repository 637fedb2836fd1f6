import type { BarChart, LineChart } from './svg-chart.mjs'

export interface BenchTable {
  title?: string
  columns: string[]
  rows: (string | number)[][]
}
export interface BenchReport {
  benchmark: string
  /** When the report was made (ISO 8601); a report much later than its run was run again alone. */
  date?: string
  title?: string
  about?: string
  ratios?: Record<string, number | null>
  tables?: BenchTable[]
  chart?: (BarChart & { kind: 'bar' }) | (LineChart & { kind: 'line' })
  notes?: string[]
  error?: string
  [field: string]: unknown
}
export interface LatestRun {
  date: string
  machine: { node: string; platform: string; cpus: number; cpuModel: string }
  load: { before: number; after: number }
  durationSec: number
  quick: boolean
  benches: Record<string, BenchReport>
}
export const BENCHMARK_ORDER: string[]
export function chartFile(name: string): string
export function drawChart(chart: BenchReport['chart']): string | undefined
export function renderBenchmarks(
  latest: LatestRun,
  options?: { notes?: Record<string, string>; chartsDir?: string },
): { markdown: string; charts: Record<string, string> }
