import { cloneNode, displayName, fieldsIf, listOf, type SqlFields, type SqlNode } from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'
import { type AlteredTable, rewriteAddedConstraint } from './add-constraint.js'
import { addColumn, alterTable, asTableConstraint, setDefault } from './alter-statements.js'
import { serialKind } from './column-definition.js'
import { columnSubject, reportUnsupportedType } from './column-types.js'

/** A change to a statement's text: `pattern` matched at a node's place, replaced. */
export interface TextEdit {
  /** The node's `location`. */
  readonly at: unknown
  readonly pattern: RegExp
  readonly replacement: string
}

/** One ALTER TABLE command rewritten: the command to keep (if any), and statements to run after it. */
export interface CommandRewrite {
  readonly command?: SqlNode
  readonly after: readonly Draft[]
  readonly changed: boolean
  /** The change as an edit of the text, where the deparser cannot print the command. */
  readonly edit?: TextEdit
}

const ERRORS: Readonly<
  Record<string, { rule: 'add-column-not-null' | 'add-primary-key' | 'add-column-generated'; hint: string }>
> = {
  CONSTR_NOTNULL: {
    rule: 'add-column-not-null',
    hint: 'Add the column nullable (with its DEFAULT, which transform moves to SET DEFAULT), fill existing rows in batches of at most 3,000, then add CHECK (col IS NOT NULL) NOT VALID and validate it; or keep the column nullable.',
  },
  CONSTR_PRIMARY: {
    rule: 'add-primary-key',
    hint: 'DSQL sets a primary key only in CREATE TABLE: create a new table with the key, copy the rows over, and swap the names.',
  },
  CONSTR_GENERATED: {
    rule: 'add-column-generated',
    hint: 'Compute the value in the application or a view, or create a new table with the generated column and copy the rows over.',
  },
}

/**
 * `ADD COLUMN` in DSQL's terms: the column with its name and type only (DSQL refuses
 * `ALTER TABLE ADD COLUMN with constraint`), then what it carried as statements of their own:
 * SET DEFAULT, a unique index, NOT VALID constraints. NOT NULL, PRIMARY KEY, identity (serial)
 * and generated columns have no such form and are reported.
 */
export function rewriteAddColumn(
  table: AlteredTable,
  command: SqlFields,
  context: RewriteContext,
): CommandRewrite {
  const original = { AlterTableCmd: command }
  const column = cloneNode(fieldsIf(command.def, 'ColumnDef') as SqlFields)
  const name = String(column.colname)
  const display = `Column ${displayName(name)} added to ${table.display}`
  if (reportUnsupportedType(column.typeName, columnSubject(column), context))
    return { command: original, after: [], changed: false }
  const constraints = listOf(column.constraints).flatMap((item) => {
    const constraint = fieldsIf(item, 'Constraint')
    return constraint === undefined ? [] : [constraint]
  })
  let failed = false
  for (const constraint of constraints) {
    const error = ERRORS[String(constraint.contype)]
    if (error === undefined) continue
    const what = String(constraint.contype)
      .replace('CONSTR_', '')
      .replace('NOTNULL', 'NOT NULL')
      .replace('GENERATED', 'GENERATED ... STORED')
    context.report({
      rule: error.rule,
      message: `${display} is ${what}; DSQL adds a column only with its name and type, and has no later form for this.`,
      hint: error.hint,
      at: constraint.location,
    })
    failed = true
  }
  if (failed) return { command: original, after: [], changed: false }

  if (serialKind(column) !== undefined || constraints.some((c) => c.contype === 'CONSTR_IDENTITY')) {
    context.report({
      rule: 'add-column-identity',
      message: `${display} is an identity (or serial) column; PostgreSQL makes a column an identity only once it is NOT NULL, which DSQL cannot add to an existing column.`,
      hint: "Number the rows from a sequence instead: ADD COLUMN n bigint, CREATE SEQUENCE t_n_seq CACHE 65536 OWNED BY t.n, then ALTER COLUMN n SET DEFAULT nextval('t_n_seq') (existing rows stay NULL). Or give the table the column when it is created.",
      at: column.location,
    })
    return { command: original, after: [], changed: false }
  }
  const after: Draft[] = []
  const then = (cmds: SqlNode[]) => after.push({ node: alterTable(table.statement, cmds), async: false })
  let changed = false
  for (const constraint of withAttributes(constraints)) {
    switch (constraint.contype) {
      case 'CONSTR_NULL':
        context.report({
          rule: 'add-column-constraint',
          message: `${display}: NULL, the default, is removed.`,
          at: constraint.location,
        })
        break
      case 'CONSTR_DEFAULT':
        context.report({
          rule: 'add-column-default',
          message: `${display} has a DEFAULT; it is added without one, then given it with ALTER COLUMN ... SET DEFAULT.`,
          hint: 'Rows already in the table get NULL, not the default: fill them in batches of at most 3,000 rows (UPDATE ... WHERE col IS NULL) if they need it.',
          at: constraint.location,
        })
        then([setDefault(name, constraint.raw_expr)])
        break
      default:
        after.push(...(rewriteAddedConstraint(table, asTableConstraint(constraint, name), context) ?? []))
    }
    changed = true
  }
  if (column.collClause !== undefined) {
    context.report({
      rule: 'column-collation',
      message: `${display} has a COLLATE clause; DSQL uses the C collation only, so it is removed.`,
      at: (column.collClause as SqlFields).location,
    })
    delete column.collClause
    changed = true
  }
  if (!changed) return { command: original, after: [], changed: false }
  delete column.constraints
  return { command: addColumn(column, command.missing_ok === true), after, changed: true }
}

/**
 * The column's constraints with DEFERRABLE and INITIALLY DEFERRED, which the parser lists as
 * constraints of their own, folded into the constraint before them.
 */
function withAttributes(constraints: readonly SqlFields[]): SqlFields[] {
  const merged: SqlFields[] = []
  for (const constraint of constraints) {
    const previous = merged[merged.length - 1]
    if (constraint.contype === 'CONSTR_ATTR_DEFERRABLE' && previous !== undefined) previous.deferrable = true
    else if (constraint.contype === 'CONSTR_ATTR_DEFERRED' && previous !== undefined)
      previous.initdeferred = true
    else if (!String(constraint.contype).startsWith('CONSTR_ATTR_')) merged.push(cloneNode(constraint))
  }
  return merged
}
