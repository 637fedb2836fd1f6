export interface Bar {
  label: string
  value: number
}
export interface BarChart {
  kind?: 'bar'
  title: string
  unit: string
  groups: { name: string; bars: Bar[] }[]
  /** `'per-group'`: each group on its own scale (groups in different units). */
  scale?: 'shared' | 'per-group'
}
export interface LineChart {
  kind?: 'line'
  title: string
  xLabel: string
  yLabel: string
  series: { name: string; points: [number, number][] }[]
  spans?: { from: number; to: number; label: string }[]
}
export function escapeXml(text: unknown): string
export function formatValue(value: number): string
export function niceStep(max: number, count?: number): number
export function barChart(chart: BarChart): string
export function lineChart(chart: LineChart): string
