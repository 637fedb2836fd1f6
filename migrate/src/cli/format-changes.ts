import { formatLocation } from '../sql/index.js'
import type { Change, Severity } from '../transform/index.js'

/**
 * Changes as a person reads them in a terminal, one block each:
 *
 *   schema.sql:3:6  advisory  serial-to-identity
 *     Column "id" of users is serial, which DSQL does not have; …
 *     hint: The column widens to bigint: …
 */
export function formatChanges(changes: readonly Change[]): string {
  return changes
    .map((change) => {
      const head = `${formatLocation(change.location)}  ${change.severity}  ${change.rule}${change.acknowledged === true ? ' (acknowledged)' : ''}`
      const hint = change.hint === undefined ? '' : `\n    hint: ${change.hint}`
      return `${head}\n    ${change.message}${hint}\n`
    })
    .join('\n')
}

/** `3 fixed, 1 advisory, 0 errors in 2 migrations`. */
export function countChanges(changes: readonly Change[], migrations: number): string {
  const count = (severity: Severity) => changes.filter((c) => c.severity === severity).length
  const errors = count('error')
  const advisories = count('advisory')
  return `${count('fixed')} fixed, ${advisories} ${advisories === 1 ? 'advisory' : 'advisories'}, ${errors} ${errors === 1 ? 'error' : 'errors'} in ${migrations} ${migrations === 1 ? 'migration' : 'migrations'}`
}

/** The verdict line's words for each status. */
export const VERDICTS = {
  clean: 'Clean: nothing to change.',
  fixed: 'Fixed: every statement has a DSQL form with the same meaning.',
  advisory: 'Fixed with advisories: every statement has a DSQL form; review the advisories.',
  error: 'Errors remain: some statements have no DSQL form (see each hint).',
} as const
