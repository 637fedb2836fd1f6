export { acknowledgedRules } from './acknowledgements.js'
export { statusOf } from './plan-transform.js'
export { renderSql } from './render-sql.js'
export { DSQL_DOCS, RULE_NAMES, RULES, type RuleInfo, type RuleName } from './rule-catalog.js'
export { loadTransformer, type Transformer, transform } from './transform.js'
export {
  DEFAULT_IDENTITY_CACHE,
  MigrateOptionsError,
  type ResolvedTransformOptions,
  resolveTransformOptions,
} from './transform-options.js'
export type {
  Change,
  PlannedStatement,
  Severity,
  TransformOptions,
  TransformResult,
} from './transform-types.js'
