import type { PlannedStatement } from './transform-types.js'

/**
 * The statements as one SQL text, each ended by `;` and a blank line: what `pg-dsql-migrate
 * transform` writes. transform reads it back to the same statements.
 */
export function renderSql(statements: readonly PlannedStatement[]): string {
  return statements.map((statement) => `${statement.sql}${terminator(statement.sql)}\n`).join('\n')
}

// A statement whose last line ends in a `--` comment would swallow a `;` put after it.
function terminator(sql: string): string {
  const lastLine = sql.slice(sql.lastIndexOf('\n') + 1)
  return lastLine.includes('--') ? '\n;' : ';'
}
