import { codeOf } from './error-code.js'
import type { Violation } from './invariants.js'
import type { OpRecord } from './workload.js'

/** One fault's line in the summary table. */
export interface SummaryRow {
  readonly fault: string
  readonly operations: number
  readonly committed: number
  readonly conflictExhausted: number
  readonly outcomeUnknown: number
  /** Other final errors, by code. */
  readonly otherErrors: Readonly<Record<string, number>>
  readonly violations: readonly Violation[]
  /** The longest time with no successful operation, from the fault's start to the load's end. */
  readonly longestGapMs: number
}

/** Counts each operation's final outcome by class. */
export function summarize(
  fault: string,
  ops: readonly OpRecord[],
  violations: readonly Violation[],
  longestGapMs: number,
): SummaryRow {
  let committed = 0
  let conflictExhausted = 0
  let outcomeUnknown = 0
  const otherErrors: Record<string, number> = {}
  for (const op of ops) {
    if (!op.done) continue
    if (op.error === undefined) committed++
    else {
      const code = codeOf(op.error)
      if (code === '40001') conflictExhausted++
      else if (code === '08007') outcomeUnknown++
      else otherErrors[code] = (otherErrors[code] ?? 0) + 1
    }
  }
  return {
    fault,
    operations: ops.length,
    committed,
    conflictExhausted,
    outcomeUnknown,
    otherErrors,
    violations,
    longestGapMs,
  }
}

function countsOf(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>()
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1)
  return counts
}

function cell(counts: Map<string, number> | Readonly<Record<string, number>>): string {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts)
  return entries.length === 0
    ? '-'
    : entries
        .sort((a, b) => b[1] - a[1])
        .map(([key, n]) => `${key.replaceAll('|', '/')} ×${n}`)
        .join(', ')
}

/** The table, in Markdown (so it can go into the README as it is). */
export function formatTable(rows: readonly SummaryRow[]): string {
  const lines = [
    '| Fault | Operations | Committed | Conflict exhausted | Outcome unknown | Other errors, by code | Invariant violations | Longest throughput gap |',
    '|---|---:|---:|---:|---:|---|---|---:|',
  ]
  for (const row of rows) {
    const violations = countsOf(row.violations.map((v) => v.invariant))
    lines.push(
      `| ${row.fault} | ${row.operations} | ${row.committed} | ${row.conflictExhausted} | ${row.outcomeUnknown} | ${cell(row.otherErrors)} | ${row.violations.length === 0 ? '0' : `**${row.violations.length}**: ${cell(violations)}`} | ${(row.longestGapMs / 1000).toFixed(2)} s |`,
    )
  }
  return lines.join('\n')
}

/** The first few violations of each row, with their evidence. */
export function formatEvidence(rows: readonly SummaryRow[], perRow = 5): string {
  const lines: string[] = []
  for (const row of rows) {
    for (const violation of row.violations.slice(0, perRow)) {
      lines.push(`- ${row.fault}: ${violation.invariant}: ${violation.detail}`)
    }
    if (row.violations.length > perRow) lines.push(`- ${row.fault}: … ${row.violations.length - perRow} more`)
  }
  return lines.join('\n')
}
