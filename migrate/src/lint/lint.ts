import { SqlSyntaxError } from '../sql/index.js'
import {
  type Change,
  resolveTransformOptions,
  type Severity,
  statusOf,
  type TransformOptions,
  transform,
} from '../transform/index.js'

/** What lint found in one migration. */
export interface LintResult {
  /** Everything transform would change or cannot, in source order; a syntax error is one too. */
  readonly changes: readonly Change[]
  /** The worst severity among the changes (an acknowledged advisory counts as `fixed`); `clean` when there are none. */
  readonly status: 'clean' | Severity
}

// DSQL creates an index in its table's schema and refuses a schema in the index's name; so does
// PostgreSQL's grammar, whose message does not say so.
const QUALIFIED_INDEX_NAME =
  /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:ASYNC\s+)?(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?("[^"]+"|\w+)\s*\.\s*("[^"]+"|\w+)\s+ON\b/i

/**
 * What transform would change in a migration, and what it cannot: the check a CI step runs on
 * migrations before they reach DSQL. Never throws for text it is given: a syntax error is reported
 * as a change with rule `syntax-error`. Throws MigrateOptionsError for a bad option.
 */
export async function lint(sql: string, options?: TransformOptions): Promise<LintResult> {
  const resolved = resolveTransformOptions(options)
  try {
    const { changes } = await transform(sql, resolved)
    return Object.freeze({ changes, status: statusOf(changes) })
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error
    const change = syntaxErrorChange(sql, error)
    return Object.freeze({ changes: Object.freeze([change]), status: 'error' as const })
  }
}

function syntaxErrorChange(sql: string, error: SqlSyntaxError): Change {
  const { offset } = error.location
  const start = Math.max(sql.lastIndexOf(';', offset - 1) + 1, 0)
  const rest = sql.slice(start)
  const qualified = QUALIFIED_INDEX_NAME.exec(rest)
  const end = rest.indexOf(';')
  return Object.freeze({
    rule: 'syntax-error',
    severity: 'error',
    message: `${error.message}.`,
    hint:
      qualified === null
        ? 'Fix the statement: PostgreSQL, and so DSQL, cannot parse it.'
        : `An index name takes no schema: write CREATE INDEX ASYNC ${qualified[2]} ON ${qualified[1]}.<table> (...); DSQL puts the index in its table's schema.`,
    location: error.location,
    statement: (end === -1 ? rest : rest.slice(0, end)).trim(),
  })
}
