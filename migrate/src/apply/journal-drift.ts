import type { Drift } from './apply-errors.js'
import type { JournalRow } from './journal.js'
import type { PlannedMigration } from './plan-migrations.js'

/** A migration's journal rows by statement index. */
export function rowsByIndex(rows: readonly JournalRow[], migrationId: string): Map<number, JournalRow> {
  return new Map(rows.filter((row) => row.migrationId === migrationId).map((row) => [row.index, row]))
}

export const isDone = (row: JournalRow | undefined): boolean =>
  row?.state === 'applied' || row?.state === 'recovered'

/**
 * Applied in full, as the journal recorded it: every statement of the plan it was applied with
 * is recorded, and its source has not changed since. Today's plan of it is not consulted, so a
 * newer pg-dsql-migrate that prints the same source differently finds nothing to do or to
 * call drift.
 */
export function isRecordedComplete(
  migration: PlannedMigration,
  rows: ReadonlyMap<number, JournalRow>,
): boolean {
  const recorded = [...rows.values()]
  const count = recorded[0]?.statementCount ?? -1
  return (
    recorded.length === count &&
    recorded.every(
      (row) => isDone(row) && row.migrationChecksum === migration.checksum && row.statementCount === count,
    )
  )
}

/**
 * Where the journal and today's plan disagree: a recorded statement whose SQL changed, or that
 * the migration no longer has. A `started` row is not drift: its statement may never have run.
 */
export function journalDrifts(migration: PlannedMigration, rows: ReadonlyMap<number, JournalRow>): Drift[] {
  if (isRecordedComplete(migration, rows)) return []
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
        differences: [
          row.migrationChecksum === migration.checksum
            ? 'its source is unchanged, but this pg-dsql-migrate plans it differently from the version that applied part of the migration: finish the migration with that version'
            : `its SQL differs from the SQL applied ${row.appliedAt?.toISOString() ?? ''}`.trim(),
        ],
      })
    }
  }
  return drifts.sort((a, b) => a.statement.index - b.statement.index)
}
