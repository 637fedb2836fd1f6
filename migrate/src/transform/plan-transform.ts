import {
  fieldsIf,
  listOf,
  namesOf,
  type ParsedStatement,
  relationKey,
  type SqlNode,
  type SqlParser,
  statementKind,
  stringOf,
} from '../sql/index.js'
import { acknowledgedRules } from './acknowledgements.js'
import { foldIntoCreateTable } from './fold-into-create-table.js'
import { printDraft } from './print-draft.js'
import type { EnumType, Finding, RewriteContext } from './rewrite-context.js'
import { rewriteStatement } from './rewrite-statement.js'
import { RULES } from './rule-catalog.js'
import type { ResolvedTransformOptions } from './transform-options.js'
import type { Change, PlannedStatement, Severity, TransformResult } from './transform-types.js'
import { unwrapGuardBlocks } from './unwrap-guard-blocks.js'

const SEVERITY_ORDER: readonly ('clean' | Severity)[] = ['clean', 'fixed', 'advisory', 'error']

/** transform's work, once the parser is loaded and the options are checked. Pure. */
export function planTransform(
  parser: SqlParser,
  sql: string,
  options: ResolvedTransformOptions,
): TransformResult {
  const statements = parser.parse(sql, options.source)
  let unmerged = new Set<string>()
  for (;;) {
    const attempt = planOnce(parser, statements, options, unmerged)
    if (!('retryWithout' in attempt)) return attempt
    // A merged CREATE TABLE the deparser cannot print: plan again with its ALTERs left apart.
    unmerged = new Set([...unmerged, attempt.retryWithout])
  }
}

function planOnce(
  parser: SqlParser,
  statements: readonly ParsedStatement[],
  options: ResolvedTransformOptions,
  unmerged: ReadonlySet<string>,
): TransformResult | { retryWithout: string } {
  const changes: Change[] = []
  const place = placer(statements, changes)
  const units = foldIntoCreateTable(unwrapGuardBlocks(statements, parser, place), place, unmerged)
  const context: Omit<RewriteContext, 'report'> = {
    identityCache: options.identityCache,
    enums: enumTypes(statements),
  }
  const planned: PlannedStatement[] = []
  for (const unit of units) {
    const findings: Finding[] = []
    const drafts = rewriteStatement(unit, { ...context, report: (finding) => findings.push(finding) })
    const texts = drafts.map((draft) => printDraft(parser, draft))
    const { statement } = unit
    if (texts.some((text) => text === undefined)) {
      if (unit.mergedInto !== undefined) return { retryWithout: unit.mergedInto }
      // Kept whole, as written: one statement half-rewritten would be worse than none.
      for (const finding of findings) if (RULES[finding.rule].severity === 'error') place(statement, finding)
      place(statement, {
        rule: 'print-check',
        message:
          'The rewritten statement did not print back to the same statement, so it is kept as written. Please report this with the statement.',
        hint: 'Rewrite it by hand in the DSQL form the other findings would have made.',
      })
      planned.push(plannedStatement(statement.text, statement, statement.async !== undefined, statement.node))
      continue
    }
    for (const finding of findings) place(statement, finding)
    drafts.forEach((draft, index) => {
      planned.push(plannedStatement(texts[index] as string, statement, draft.async, draft.node))
    })
  }
  changes.sort((a, b) => a.location.offset - b.location.offset)
  return Object.freeze({
    statements: Object.freeze(planned),
    changes: Object.freeze(changes.map((change) => Object.freeze(change))),
    status: statusOf(changes),
  })
}

function plannedStatement(
  sql: string,
  from: ParsedStatement,
  async: boolean,
  node: SqlNode,
): PlannedStatement {
  return Object.freeze({ sql, location: from.location, async, kind: statementKind(node) })
}

/** The worst severity among the changes, an acknowledged advisory counting as fixed. */
export function statusOf(changes: readonly Change[]): 'clean' | Severity {
  let worst = 0
  for (const change of changes) {
    const severity = change.acknowledged === true ? 'fixed' : change.severity
    worst = Math.max(worst, SEVERITY_ORDER.indexOf(severity))
  }
  return SEVERITY_ORDER[worst] as 'clean' | Severity
}

/**
 * Turns a finding into a change placed in the source: at the node it points to, in the statement
 * holding that place (a merged ALTER's column is found in the ALTER), acknowledged when the
 * statement's leading comments allow its rule.
 */
function placer(statements: readonly ParsedStatement[], changes: Change[]) {
  return (statement: ParsedStatement, finding: Finding) => {
    const location = finding.at === undefined ? statement.location : statement.locationOf(finding.at)
    const holder = holderOf(statements, location.offset) ?? statement
    const severity = RULES[finding.rule].severity
    const acknowledged = severity === 'advisory' && acknowledgedRules(holder.leading).has(finding.rule)
    changes.push({
      rule: finding.rule,
      severity,
      message: finding.message,
      ...(finding.hint === undefined ? {} : { hint: finding.hint }),
      location,
      statement: holder.text,
      ...(acknowledged ? { acknowledged: true } : {}),
    })
  }
}

function holderOf(statements: readonly ParsedStatement[], offset: number): ParsedStatement | undefined {
  let low = 0
  let high = statements.length - 1
  let found: ParsedStatement | undefined
  while (low <= high) {
    const middle = (low + high) >> 1
    const statement = statements[middle] as ParsedStatement
    if (statement.location.offset <= offset) {
      found = statement
      low = middle + 1
    } else high = middle - 1
  }
  return found
}

/** The enum types the migration creates, so columns of those types can be reported. */
function enumTypes(statements: readonly ParsedStatement[]): Map<string, EnumType> {
  const enums = new Map<string, EnumType>()
  for (const statement of statements) {
    const fields = fieldsIf(statement.node, 'CreateEnumStmt')
    if (fields === undefined) continue
    const names = namesOf(fields.typeName)
    const name = names[names.length - 1] as string
    const schema = names.length > 1 ? names[names.length - 2] : undefined
    const values = listOf(fields.vals).map((value) => stringOf(value) ?? '')
    enums.set(relationKey(schema === undefined ? { name } : { schema, name }), { name, values })
  }
  return enums
}
