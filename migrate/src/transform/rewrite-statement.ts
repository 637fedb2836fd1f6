import { cloneNode, nodeType, type ParsedStatement, type SqlNode } from '../sql/index.js'
import type { StatementUnit } from './fold-into-create-table.js'
import type { Draft, Finding, RewriteContext } from './rewrite-context.js'
import { RULES } from './rule-catalog.js'
import { rewriteAlterTable } from './rules/alter-table.js'
import { rewriteCreateIndex, rewriteDropIndex } from './rules/create-index.js'
import { rewriteCreateTable } from './rules/create-table.js'
import { rewriteFunctionCalls } from './rules/function-calls.js'
import { removeObsolete } from './rules/removed-statements.js'
import { rewriteSequence } from './rules/sequences.js'
import { rewriteSetStatement, rewriteTransactionStatement } from './rules/session-statements.js'
import { refuseMissingObject } from './rules/unsupported-objects.js'
import { refuseUnsupported } from './rules/unsupported-statements.js'

type Rewriter = (statement: ParsedStatement, node: SqlNode, context: RewriteContext) => Draft[]

const REWRITERS: Readonly<Record<string, Rewriter>> = {
  TransactionStmt: rewriteTransactionStatement,
  VariableSetStmt: rewriteSetStatement,
  CreateStmt: rewriteCreateTable,
  IndexStmt: rewriteCreateIndex,
  AlterTableStmt: rewriteAlterTable,
  CreateSeqStmt: rewriteSequence,
  AlterSeqStmt: rewriteSequence,
  DropStmt: rewriteDropIndex,
}

/**
 * The statements one source statement becomes on DSQL. A statement with an error stays as written
 * and only its errors are reported: there is no DSQL form to rewrite it into, and a half-rewritten
 * statement would hide what the author wrote.
 */
export function rewriteStatement(unit: StatementUnit, context: RewriteContext): Draft[] {
  const findings: Finding[] = []
  const local: RewriteContext = { ...context, report: (finding) => findings.push(finding) }
  const drafts = rewriteAny(unit.statement, unit.node, local)
  const errors = findings.filter((finding) => RULES[finding.rule].severity === 'error')
  for (const finding of errors.length > 0 ? errors : findings) context.report(finding)
  if (errors.length === 0) return drafts
  // A merged CREATE TABLE has no text of its own: it is printed, with its errors left in.
  if (unit.node !== unit.statement.node) return [{ node: unit.node, async: false }]
  return [
    { node: unit.node, async: unit.statement.async !== undefined, text: unit.statement.text, verbatim: true },
  ]
}

function rewriteAny(statement: ParsedStatement, original: SqlNode, context: RewriteContext): Draft[] {
  const removed = removeObsolete(statement, original, context)
  if (removed !== undefined) return removed
  const refused =
    refuseUnsupported(statement, original, context) ?? refuseMissingObject(statement, original, context)
  if (refused !== undefined) return refused
  const copy = cloneNode(original)
  const node = rewriteFunctionCalls(copy, context) ? copy : original
  const rewriter = REWRITERS[nodeType(original)]
  const drafts =
    rewriter === undefined
      ? [{ node, async: statement.async !== undefined, text: statement.text, verbatim: true }]
      : rewriter(statement, node, context)
  // A rewriter keeps the text when its own rules changed nothing; an earlier change still counts.
  return drafts.map((draft) =>
    draft.verbatim === true && draft.node !== statement.node
      ? { node: draft.node, async: draft.async }
      : draft,
  )
}
