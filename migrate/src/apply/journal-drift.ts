import type { Drift } from './apply-errors.js'
import type { JournalRow } from './journal.js'
import type { PlannedMigration } from './plan-migrations.js'

/** A migration's journal rows by statement index. */
export function rowsByIndex(rows: readonly JournalRow[], migrationId: string): Map<number, JournalRow> {
  return new Map(rows.filter((row) => row.migrationId === migrationId).map((row) => [row.index, row]))
}

export const isDone = (row: JournalRow | undefined): boolean =>
  row?.state === 'applied' || row?.state === 'recovered'

/** Every statement recorded as applied. */
export function isComplete(migration: PlannedMigration, rows: ReadonlyMap<number, JournalRow>): boolean {
  return migration.steps.every((step) => isDone(rows.get(step.ref.index)))
}

/**
 * Where the journal and today's plan disagree: a recorded statement whose SQL changed, or that
 * the migration no longer has. A `started` row is not drift: its statement may never have run.
 */
export function journalDrifts(migration: PlannedMigration, rows: ReadonlyMap<number, JournalRow>): Drift[] {
  const drifts: Drift[] = []
  for (const row of rows.values()) {
    if (!isDone(row)) continue
    const step = migration.steps[row.index]
    if (step === undefined) {
      const last = migration.steps[migration.steps.length - 1]
      drifts.push({
        statement: {
          migrationId: migration.id,
          index: row.index,
          location: last?.ref.location ?? { source: migration.id, line: 1, column: 1, offset: 0 },
        },
        kind: 'removed',
        differences: [
          `the journal records statement ${row.index + 1}, and the migration now has ${migration.steps.length}`,
        ],
      })
    } else if (step.hash !== row.statementHash) {
      drifts.push({
        statement: step.ref,
        kind: 'changed',
        differences: [`its SQL differs from the SQL applied ${row.appliedAt?.toISOString() ?? ''}`.trim()],
      })
    }
  }
  return drifts.sort((a, b) => a.statement.index - b.statement.index)
}
