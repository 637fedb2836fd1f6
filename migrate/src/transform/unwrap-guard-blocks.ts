import { nodeType, type ParsedStatement, type SqlParser, SqlSyntaxError } from '../sql/index.js'
import type { Finding } from './rewrite-context.js'
import { guardedStatement } from './rules/do-block.js'

/**
 * drizzle-kit's DO blocks that only guard one statement against an existing object, replaced by
 * that statement (DSQL has no PL/pgSQL), before anything else reads the migration: a guarded
 * ADD CONSTRAINT can then be merged into its CREATE TABLE like any other. What is found in the
 * statement is placed at the block.
 */
export function unwrapGuardBlocks(
  statements: readonly ParsedStatement[],
  parser: SqlParser,
  report: (statement: ParsedStatement, finding: Finding) => void,
): ParsedStatement[] {
  return statements.map((statement) => {
    if (nodeType(statement.node) !== 'DoStmt') return statement
    const inner = guardedStatement(statement.node)
    const parsed = inner === undefined ? [] : parseQuietly(parser, inner)
    if (parsed.length !== 1) return statement
    const only = parsed[0] as ParsedStatement
    report(statement, {
      rule: 'do-block-guard',
      message: `The DO block becomes the ${nodeType(only.node).replace(/Stmt$/, '')} statement it wraps: DSQL has no PL/pgSQL.`,
      hint: 'The block skipped the statement when the object already existed; now it fails instead. apply never runs a recorded statement twice.',
    })
    return Object.freeze({
      ...only,
      location: statement.location,
      leading: statement.leading,
      locationOf: () => statement.location,
    })
  })
}

function parseQuietly(parser: SqlParser, sql: string): readonly ParsedStatement[] {
  try {
    return parser.parse(sql)
  } catch (error) {
    // Not a statement after all: the DO block is reported as it is.
    if (error instanceof SqlSyntaxError) return []
    throw error
  }
}
