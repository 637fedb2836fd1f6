export { formatLocation, type SourceLocation, SqlSyntaxError } from './sql/index.js'
export type {
  Change,
  PlannedStatement,
  Severity,
  TransformOptions,
  TransformResult,
} from './transform/transform-types.js'
