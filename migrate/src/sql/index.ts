export { splitOnBreakpoints, type TextChunk } from './breakpoints.js'
export {
  displayName,
  displayRelation,
  quoteIdentifier,
  type RelationName,
  relationKey,
  relationName,
} from './relation-name.js'
export { formatLocation, locate, type SourceLocation } from './source-location.js'
export {
  cloneNode,
  defElemsOf,
  fieldsIf,
  fieldsOf,
  integerOf,
  listOf,
  namesOf,
  nodeType,
  type SqlFields,
  type SqlNode,
  stringNode,
  stringOf,
  walkNodes,
  withoutLocations,
} from './sql-node.js'
export {
  type AsyncForm,
  loadSqlParser,
  type ParsedStatement,
  type SqlParser,
  SqlSyntaxError,
} from './sql-parser.js'
export { type StatementKind, statementKind } from './statement-kind.js'
