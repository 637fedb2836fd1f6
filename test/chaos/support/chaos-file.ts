import type { Emulator, EmulatorOptions } from 'pg-dsql-emulator'
import { afterAll, beforeAll } from 'vitest'
import { startTestEmulator } from '../../support/emulator.js'
import { faultDurationMs } from './chaos-settings.js'
import { type ChaosTables, createChaosTables } from './chaos-tables.js'
import { type FaultScenario, runFault } from './fault-run.js'
import { reportRows } from './report-rows.js'
import type { SummaryRow } from './summary-table.js'

/** What a chaos test file shares across its faults. */
export interface ChaosFile {
  readonly emulator: Emulator
  /** Runs `scenario` for CHAOS_SECONDS (1 s in the short form) and keeps its row for the table. */
  run(scenario: FaultScenario): Promise<SummaryRow>
}

/**
 * Registers the hooks of one chaos test file: an emulator with `options` over the shared
 * PostgreSQL and the load's tables (beforeAll), then the file's summary table and the emulator's
 * stop (afterAll).
 */
export function chaosFile(file: string, options: Omit<EmulatorOptions, 'backend'> = {}): ChaosFile {
  let emulator: Emulator | undefined
  let tables: ChaosTables | undefined
  const rows: SummaryRow[] = []
  beforeAll(async () => {
    emulator = await startTestEmulator(options)
    tables = await createChaosTables(emulator)
  })
  afterAll(async () => {
    if (rows.length > 0) reportRows(file, rows)
    await emulator?.stop()
  })
  return {
    get emulator() {
      if (emulator === undefined) throw new Error('the chaos emulator starts in beforeAll')
      return emulator
    },
    async run(scenario) {
      const row = await runFault(this.emulator, tables as ChaosTables, scenario, faultDurationMs())
      rows.push(row)
      return row
    },
  }
}
