import type { ErrorFields } from '../wire/index.js'
import { keyColumnsRefusal, refused } from './column-rules.js'
import type { EmulatorProfile } from './dialect-profile.js'
import { fieldsOf, listOf } from './sql-tree.js'

/**
 * PostgreSQL's grammar writes `btree` when no `USING` is given, so an explicit `USING btree`
 * cannot be told apart from none (in DSQL's parser either, which is PostgreSQL's): only another
 * access method is refused.
 */
const DEFAULT_ACCESS_METHOD = 'btree'

/**
 * DSQL's rules for `CREATE INDEX` (User Guide "CREATE INDEX" and "Asynchronous indexes";
 * release notes 2026-08-13 for expressions, 2026-09-15 for partial indexes):
 * - `ASYNC` is required, `CONCURRENTLY` refused (observed texts);
 * - no `ASC`/`DESC` on keys (observed), no access method but DSQL's own;
 * - at most 8 key columns (`54011`, quotas page);
 * - profile `late-2025`: no expression keys and no `WHERE` (texts chosen).
 * Expressions and predicates must be immutable: the backend refuses the others itself, with
 * PostgreSQL's `42P17`, as DSQL does.
 */
export function indexRefusal(
  fields: Record<string, unknown>,
  isAsync: boolean,
  profile: EmulatorProfile,
): ErrorFields | undefined {
  if (fields.concurrent === true) return refused('CONCURRENTLY not supported for CREATE INDEX')
  if (!isAsync) return refused('unsupported mode. please use CREATE INDEX ASYNC.')
  const method = fields.accessMethod
  if (typeof method === 'string' && method !== DEFAULT_ACCESS_METHOD) {
    return refused(`access method "${method}" not supported for CREATE INDEX`)
  }
  const keys = listOf(fields.indexParams).map((param) => fieldsOf(param, 'IndexElem') ?? {})
  for (const key of keys) {
    if (key.ordering !== undefined && key.ordering !== 'SORTBY_DEFAULT') {
      return refused('specifying sort order not supported for index keys')
    }
    if (key.expr !== undefined && profile === 'late-2025') {
      return refused('expressions not supported for CREATE INDEX')
    }
  }
  if (fields.whereClause !== undefined && profile === 'late-2025') {
    return refused('WHERE not supported for CREATE INDEX')
  }
  return keyColumnsRefusal(keys.length)
}
