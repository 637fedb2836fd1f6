import type { SqlParser } from '../sql/index.js'
import type { TransformResult } from '../transform/transform-types.js'
import type { TransformFunction } from './plan-migrations.js'
import { kindOf } from './statement-kind.js'

/**
 * `transform` from this package. Until it lands (issue 13, item 1), SQL is split by the parser
 * and run as written.
 */
export async function loadTransform(parser: SqlParser): Promise<TransformFunction> {
  return (sql, options): TransformResult => ({
    statements: parser.parse(sql, options.source).map((statement) => ({
      sql: statement.text,
      location: statement.location,
      async: statement.async !== undefined,
      kind: kindOf(statement.node),
    })),
    changes: [],
    status: 'clean',
  })
}
