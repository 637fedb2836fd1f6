// The shape every benchmark reports, and how it is printed. A report is JSON:
//
//   { benchmark, title, about, date, machine, settings, results, ratios, tables, chart }
//
// `results` holds the raw figures; `ratios` holds ours divided by the baseline (named in each
// key), so a reader sees at once whether pg-dsql costs or saves; `tables` are what the terminal
// and BENCHMARKS.md show (`{ title, columns, rows }`, cells already formatted); `chart` is drawn
// by svg-chart.mjs (`{ kind: 'bar' | 'line', … }`).
import { loadavg } from 'node:os'
import { machine } from './measure.mjs'

/** Builds a report with the common fields filled in; other fields are kept as given. */
export function makeReport({ benchmark, title, about, settings, results, ratios, tables, chart, ...extra }) {
  return {
    benchmark,
    title,
    about,
    date: new Date().toISOString(),
    machine: { ...machine(), loadAverage1m: Number(loadavg()[0].toFixed(2)) },
    settings,
    results,
    ratios,
    tables,
    chart,
    // Bench-specific figures beside the common ones (`noiseFloor`, `notes`, …).
    ...extra,
  }
}

/** Prints a report's tables and ratios as plain text. */
export function printReport(report) {
  console.log(`${report.title}`)
  for (const table of report.tables) {
    console.log('')
    if (table.title) console.log(table.title)
    console.log(textTable(table))
  }
  console.log('\nratios (ours / baseline):')
  for (const [key, value] of Object.entries(report.ratios)) {
    console.log(`  ${key.padEnd(36)} ${value === null ? 'n/a' : value.toFixed(3)}`)
  }
}

/** A table as aligned text columns. */
export function textTable({ columns, rows }) {
  const cells = [columns, ...rows].map((row) => row.map((cell) => String(cell)))
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)))
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n')
}

/** A table as GitHub Markdown. */
export function markdownTable({ columns, rows }) {
  const cellText = (cell) => String(cell).replace(/\|/g, '\\|')
  return [
    `| ${columns.map(cellText).join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cellText).join(' | ')} |`),
  ].join('\n')
}

/** `a / b` rounded to three places, or null when `b` is zero or either is missing. */
export function ratioOf(a, b) {
  if (typeof a !== 'number' || typeof b !== 'number' || b === 0) return null
  return Number((a / b).toFixed(3))
}

/** Percentile `q` (0-1) of unsorted numbers; 0 for none. */
export function percentile(values, q) {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** `--quick`: every benchmark takes it, to run in seconds (CI proves it still runs). */
export function isQuick(argv) {
  return argv.includes('--quick')
}

export const fmt = {
  int: (n) => Math.round(n).toLocaleString('en-US'),
  ms: (n) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2)} ms`),
  x: (n) => (n === null ? 'n/a' : `${n.toFixed(2)}x`),
  ratio: (n) => (n === null ? 'n/a' : n.toFixed(3)),
  mb: (bytes) => `${(bytes / 1e6).toFixed(2)} MB`,
}
