export { type LintResult, lint } from './lint.js'
