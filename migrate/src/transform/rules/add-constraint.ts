import { namesOf, type SqlFields } from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'
import {
  addConstraint,
  alterTable,
  notValid,
  uniqueIndex,
  uniqueUsingIndex,
  uniqueUsingIndexText,
  validateConstraint,
} from './alter-statements.js'
import { constraintNameOf } from './constraint-names.js'

/** The table an ALTER TABLE changes: its statement's fields, its bare name and its name for messages. */
export interface AlteredTable {
  readonly statement: SqlFields
  readonly name: string
  readonly display: string
}

/**
 * A constraint added to an existing table, in DSQL's terms: UNIQUE as an async unique index and
 * a constraint made on it; FOREIGN KEY and CHECK as NOT VALID and an async VALIDATE; PRIMARY KEY
 * and EXCLUDE reported. `undefined` when the command stays as written.
 */
export function rewriteAddedConstraint(
  table: AlteredTable,
  constraint: SqlFields,
  context: RewriteContext,
): Draft[] | undefined {
  const name = constraintNameOf(table.name, constraint)
  const named = typeof constraint.conname === 'string' ? '' : ` (named ${name}, as PostgreSQL would name it)`
  switch (constraint.contype) {
    case 'CONSTR_PRIMARY':
      context.report({
        rule: 'add-primary-key',
        message: `A primary key is added to ${table.display}; DSQL sets a primary key only in CREATE TABLE.`,
        hint: 'When the table is made in the same migration, put the key in its CREATE TABLE (transform merges it when nothing comes between). Otherwise create a new table with the key, copy the rows in batches of at most 3,000, and swap the names.',
        at: constraint.location,
      })
      return undefined
    case 'CONSTR_EXCLUSION':
      context.report({
        rule: 'unsupported-constraint',
        message: `An exclusion constraint is added to ${table.display}; DSQL has no exclusion constraints.`,
        hint: 'Check for overlaps in the application, inside the transaction that writes (DSQL will fail one of two conflicting transactions).',
        at: constraint.location,
      })
      return undefined
    case 'CONSTR_UNIQUE': {
      if (typeof constraint.indexname === 'string') return undefined
      if (constraint.deferrable === true) {
        context.report({
          rule: 'unsupported-constraint',
          message: `A DEFERRABLE unique constraint is added to ${table.display}; DSQL makes unique constraints only from a unique index, which is never deferred.`,
          hint: 'Drop DEFERRABLE, or check uniqueness in the application.',
          at: constraint.location,
        })
        return undefined
      }
      context.report({
        rule: 'unique-constraint-to-index',
        message: `The unique constraint ${name} on ${table.display}${named} becomes CREATE UNIQUE INDEX ASYNC ${name}, then ADD CONSTRAINT ${name} UNIQUE USING INDEX ${name}.`,
        hint: 'apply waits for the index job; it fails if existing rows hold duplicates, and the constraint is not made.',
        at: constraint.location,
      })
      const index = uniqueIndex(
        table.statement,
        name,
        namesOf(constraint.keys),
        namesOf(constraint.including),
        constraint.nulls_not_distinct === true,
      )
      return [
        { node: index, async: true },
        {
          node: alterTable(table.statement, [addConstraint(uniqueUsingIndex(name))]),
          async: false,
          text: uniqueUsingIndexText(table.statement, name),
        },
      ]
    }
    case 'CONSTR_FOREIGN':
    case 'CONSTR_CHECK': {
      if (constraint.skip_validation === true) return undefined
      const kind = constraint.contype === 'CONSTR_FOREIGN' ? 'foreign key' : 'check constraint'
      context.report({
        rule: 'constraint-not-valid',
        message: `The ${kind} ${name} on ${table.display}${named} becomes ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ASYNC ... VALIDATE CONSTRAINT ${name}.`,
        hint: 'New rows are checked at once; apply waits for the job that checks existing rows, and fails the migration if one breaks the constraint.',
        at: constraint.location,
      })
      return [
        { node: alterTable(table.statement, [addConstraint(notValid(constraint, name))]), async: false },
        { node: alterTable(table.statement, [validateConstraint(name)]), async: true },
      ]
    }
    default:
      return undefined
  }
}
