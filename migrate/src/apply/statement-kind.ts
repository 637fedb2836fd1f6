import { nodeType, type SqlNode } from '../sql/index.js'
import type { PlannedStatement } from '../transform/transform-types.js'

const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt'])
// Neither schema nor rows; everything else changes the catalog, so DSQL counts it as DDL
// (GRANT, COMMENT, CREATE ROLE too).
const OTHER = new Set([
  'SelectStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'CallStmt',
  'DoStmt',
  'ExplainStmt',
  'TransactionStmt',
])

/** `ddl`, `dml` or `other`, for statements given as strings. */
export function kindOf(node: SqlNode): PlannedStatement['kind'] {
  const type = nodeType(node)
  if (DML.has(type)) return 'dml'
  if (type === 'SelectStmt' && (node.SelectStmt as { intoClause?: unknown }).intoClause !== undefined)
    return 'ddl'
  return OTHER.has(type) ? 'other' : 'ddl'
}
