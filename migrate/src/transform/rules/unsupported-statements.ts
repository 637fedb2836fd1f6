import {
  defElemsOf,
  fieldsOf,
  namesOf,
  nodeType,
  type ParsedStatement,
  type SqlNode,
  stringOf,
} from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'
import type { RuleName } from '../rule-catalog.js'

interface Refusal {
  readonly rule: RuleName
  readonly what: string
  readonly hint: string
}

const BATCHES = `in batches of at most 3,000 rows (DSQL's per-transaction row limit)`

// Statements DSQL refuses whatever they say (its unsupported-features page; reference §4.2).
const REFUSED: Readonly<Record<string, Refusal>> = {
  TruncateStmt: {
    rule: 'truncate',
    what: 'TRUNCATE',
    hint: `DELETE FROM the table ${BATCHES}, or DROP and CREATE it again.`,
  },
  CreateTrigStmt: {
    rule: 'trigger',
    what: 'CREATE TRIGGER',
    hint: "Move the trigger's work into the application or the ORM's hooks (e.g. set updated_at in the UPDATE).",
  },
  CreateEventTrigStmt: {
    rule: 'trigger',
    what: 'CREATE EVENT TRIGGER',
    hint: 'Remove it; DSQL has no triggers.',
  },
  DoStmt: {
    rule: 'function-language',
    what: 'A DO block (PL/pgSQL)',
    hint: 'Write its statements as plain SQL, one per statement, or run the logic from the application.',
  },
  CreateTableAsStmt: {
    rule: 'create-table-as',
    what: 'CREATE TABLE AS / CREATE MATERIALIZED VIEW',
    hint: 'CREATE TABLE with the columns, then INSERT ... SELECT in batches; or a plain view (CREATE VIEW).',
  },
  RefreshMatViewStmt: {
    rule: 'create-table-as',
    what: 'REFRESH MATERIALIZED VIEW',
    hint: 'Use a plain view, or a table refreshed by the application.',
  },
  CreateEnumStmt: {
    rule: 'enum-type',
    what: 'CREATE TYPE ... AS ENUM',
    hint: 'Declare the columns as text with CHECK (col IN (...)); transform reports each such column with its CHECK.',
  },
  AlterEnumStmt: {
    rule: 'enum-type',
    what: 'ALTER TYPE (an enum)',
    hint: 'With text and a CHECK in place of the enum: drop the CHECK and add the new one NOT VALID, then validate it.',
  },
  CompositeTypeStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE TYPE (a composite type)',
    hint: 'Use columns of their own, or jsonb.',
  },
  CreateRangeStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE TYPE (a range type)',
    hint: 'Use two columns for the lower and upper bound.',
  },
  CreateTableSpaceStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE TABLESPACE',
    hint: 'Remove it; DSQL manages storage.',
  },
  CreatedbStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE DATABASE',
    hint: 'DSQL has one database, postgres; use a schema (CREATE SCHEMA) to keep objects apart.',
  },
  CreateForeignTableStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE FOREIGN TABLE',
    hint: 'DSQL has no foreign data wrappers.',
  },
  CreateFdwStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE FOREIGN DATA WRAPPER',
    hint: 'DSQL has no foreign data wrappers.',
  },
  CreateForeignServerStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE SERVER',
    hint: 'DSQL has no foreign data wrappers.',
  },
  CreateUserMappingStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE USER MAPPING',
    hint: 'DSQL has no foreign data wrappers.',
  },
  ImportForeignSchemaStmt: {
    rule: 'unsupported-statement',
    what: 'IMPORT FOREIGN SCHEMA',
    hint: 'DSQL has no foreign data wrappers.',
  },
  AlterSystemStmt: {
    rule: 'unsupported-statement',
    what: 'ALTER SYSTEM',
    hint: 'Remove it; DSQL is configured by AWS.',
  },
  ListenStmt: {
    rule: 'unsupported-statement',
    what: 'LISTEN',
    hint: 'Remove it; DSQL has no notifications.',
  },
  UnlistenStmt: {
    rule: 'unsupported-statement',
    what: 'UNLISTEN',
    hint: 'Remove it; DSQL has no notifications.',
  },
  NotifyStmt: {
    rule: 'unsupported-statement',
    what: 'NOTIFY',
    hint: 'Remove it; DSQL has no notifications.',
  },
  LockStmt: {
    rule: 'unsupported-statement',
    what: 'LOCK TABLE',
    hint: 'Remove it: DSQL never makes a transaction wait for a lock; a conflicting one fails at COMMIT instead.',
  },
  RuleStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE RULE',
    hint: 'Move the rewrite into the application or a view.',
  },
  MergeStmt: {
    rule: 'unsupported-statement',
    what: 'MERGE',
    hint: `Use INSERT ... ON CONFLICT ... DO UPDATE ${BATCHES}.`,
  },
  ClusterStmt: {
    rule: 'unsupported-statement',
    what: 'CLUSTER',
    hint: 'Remove it; DSQL orders rows by primary key itself.',
  },
  CreatePublicationStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE PUBLICATION',
    hint: 'DSQL has no logical replication.',
  },
  CreateSubscriptionStmt: {
    rule: 'unsupported-statement',
    what: 'CREATE SUBSCRIPTION',
    hint: 'DSQL has no logical replication.',
  },
}

/**
 * Statements with no DSQL form, reported with what to do instead and kept as written; `undefined`
 * for a statement DSQL may take. CREATE FUNCTION passes when written in SQL, CREATE TYPE when it
 * is a domain.
 */
export function refuseUnsupported(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] | undefined {
  const type = nodeType(node)
  const fields = fieldsOf(node)
  let refusal = REFUSED[type]
  if (type === 'CreateFunctionStmt') {
    const language = (stringOf(defElemsOf(fields.options).get('language')) ?? 'sql').toLowerCase()
    if (fields.is_procedure === true) {
      refusal = {
        rule: 'function-language',
        what: 'CREATE PROCEDURE',
        hint: 'Use a function in LANGUAGE sql, or run the logic from the application.',
      }
    } else if (language !== 'sql') {
      refusal = {
        rule: 'function-language',
        what: `CREATE FUNCTION ... LANGUAGE ${language}`,
        hint: 'Rewrite the function in LANGUAGE sql, or run the logic from the application.',
      }
    }
  } else if (type === 'DefineStmt' && fields.kind === 'OBJECT_TYPE') {
    refusal = {
      rule: 'unsupported-statement',
      what: 'CREATE TYPE',
      hint: 'Use a domain (CREATE DOMAIN) over a built-in type, or columns of their own.',
    }
  } else if (type === 'SelectStmt' && fields.intoClause !== undefined) {
    refusal = REFUSED.CreateTableAsStmt
  }
  if (refusal === undefined) return undefined
  const named = type === 'CreateEnumStmt' ? ` ${namesOf(fields.typeName).join('.')}` : ''
  context.report({
    rule: refusal.rule,
    message: `${refusal.what}${named}: DSQL does not support it.`,
    hint: refusal.hint,
  })
  return [{ node, async: false, text: statement.text, verbatim: true }]
}
