import { fieldsOf, nodeType, type SqlNode } from '../sql/index.js'
import { namesOf } from './recognition/normal-form.js'

/**
 * The objects (tables, indexes, views …, by name) a statement is about, so that `status` can
 * tell which applied statements the catalog should still show as they made them: a
 * `CREATE TABLE t` is no longer what the catalog holds once a later `ALTER TABLE t` ran.
 * - `checks`: what its catalog check reads;
 * - `needs`: what must still exist for the check to hold (an index's table);
 * - `changes`: what it alters; `removes`: what it drops or renames away.
 */
export interface Subjects {
  readonly checks: readonly string[]
  readonly needs: readonly string[]
  readonly changes: readonly string[]
  readonly removes: readonly string[]
}

const NONE: Subjects = { checks: [], needs: [], changes: [], removes: [] }

const relname = (relation: unknown) => String((relation as { relname?: unknown } | undefined)?.relname ?? '')

export function subjectsOf(node: SqlNode): Subjects {
  const fields = fieldsOf(node)
  switch (nodeType(node)) {
    case 'CreateStmt':
      return {
        checks: [relname(fields.relation)],
        needs: [],
        changes: [relname(fields.relation)],
        removes: [],
      }
    case 'IndexStmt': {
      const index = typeof fields.idxname === 'string' ? [fields.idxname] : []
      return { checks: index, needs: [relname(fields.relation)], changes: index, removes: [] }
    }
    case 'AlterTableStmt':
      return {
        checks: [relname(fields.relation)],
        needs: [],
        changes: [relname(fields.relation)],
        removes: [],
      }
    case 'RenameStmt': {
      const from = relname(fields.relation)
      const whole = ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_SEQUENCE'].includes(
        String(fields.renameType),
      )
      const to = whole ? [String(fields.newname)] : []
      return { checks: [from, ...to], needs: [], changes: [from, ...to], removes: whole ? [from] : [] }
    }
    case 'DropStmt': {
      const objects = Array.isArray(fields.objects) ? (fields.objects as SqlNode[]) : []
      const names = objects.map((object) => {
        const parts = nodeType(object) === 'List' ? namesOf(fieldsOf(object).items) : namesOf([object])
        return parts[parts.length - 1] ?? ''
      })
      return { checks: names, needs: [], changes: names, removes: names }
    }
    default:
      return NONE
  }
}

/** Whether a later statement changed what `earlier`'s check reads. */
export function isSuperseded(earlier: Subjects, later: readonly Subjects[]): boolean {
  return later.some(
    (l) =>
      l.changes.some((name) => earlier.checks.includes(name)) ||
      l.removes.some((name) => earlier.needs.includes(name)),
  )
}
