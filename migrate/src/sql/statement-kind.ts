import { fieldsOf, nodeType, type SqlNode } from './sql-node.js'

/** What DSQL's one-DDL-per-transaction rule sees in a statement. */
export type StatementKind = 'ddl' | 'dml' | 'other'

const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt', 'CopyStmt'])

// Statements that change neither the schema nor rows. Everything else changes the catalog, so
// DSQL counts it as DDL: GRANT and REVOKE too (reference §3.5), COMMENT, CREATE ROLE.
const OTHER = new Set([
  'SelectStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'CallStmt',
  'DoStmt',
  'ExplainStmt',
  'TransactionStmt',
  'DiscardStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'DeallocateStmt',
  'CheckPointStmt',
  'LoadStmt',
  'ListenStmt',
  'UnlistenStmt',
  'NotifyStmt',
  'LockStmt',
  'VacuumStmt',
  'ConstraintsSetStmt',
])

/** `ddl`, `dml` or `other`, by the statement's node. */
export function statementKind(node: SqlNode): StatementKind {
  const type = nodeType(node)
  if (DML.has(type)) return 'dml'
  // SELECT ... INTO makes a table.
  if (type === 'SelectStmt' && fieldsOf(node).intoClause !== undefined) return 'ddl'
  if (type === 'ExplainStmt') return 'other'
  return OTHER.has(type) ? 'other' : 'ddl'
}
