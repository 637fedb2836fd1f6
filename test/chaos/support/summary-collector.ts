import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { formatEvidence, formatTable, type SummaryRow } from './summary-table.js'

// `npm run test:chaos`'s global setup: each test file leaves its rows in a folder, and at the end
// of the run the whole suite's summary table is printed, one line per fault.
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-chaos-'))
  project.provide('chaosSummaryDir', dir)
  return () => {
    const rows: SummaryRow[] = []
    for (const file of readdirSync(dir).sort()) {
      rows.push(...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as SummaryRow[]))
    }
    rmSync(dir, { recursive: true, force: true })
    if (rows.length === 0) return
    const evidence = formatEvidence(rows, 3)
    process.stdout.write(
      `\nChaos suite, ${process.env.CHAOS_SECONDS ?? '10'} s per fault:\n\n${formatTable(rows)}\n${evidence === '' ? '' : `\nEvidence (first of each):\n${evidence}\n`}\n`,
    )
  }
}
