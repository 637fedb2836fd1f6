export { formatLocation, locate, type SourceLocation } from './source-location.js'
export { fieldsOf, nodeType, type SqlNode } from './sql-node.js'
export {
  type AsyncForm,
  loadSqlParser,
  type ParsedStatement,
  type SqlParser,
  SqlSyntaxError,
} from './sql-parser.js'
