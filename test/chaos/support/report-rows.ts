import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'
import { formatEvidence, formatTable, type SummaryRow } from './summary-table.js'

/**
 * Prints a test file's rows, and hands them to `npm run test:chaos`'s collector (which prints the
 * whole suite's table at the end) when it runs.
 */
export function reportRows(file: string, rows: readonly SummaryRow[]): void {
  const evidence = formatEvidence(rows)
  console.log(`\n${formatTable(rows)}\n${evidence === '' ? '' : `\n${evidence}\n`}`)
  const dir = inject('chaosSummaryDir')
  if (dir !== undefined) writeFileSync(join(dir, `${file}.json`), JSON.stringify(rows))
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each chaos test file leaves its rows for the suite's table (`npm run test:chaos` only). */
    chaosSummaryDir?: string
  }
}
