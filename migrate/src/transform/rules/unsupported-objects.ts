import {
  displayName,
  fieldsOf,
  namesOf,
  nodeType,
  type ParsedStatement,
  type SqlNode,
} from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'
import { reportUnsupportedType } from './column-types.js'

// Objects DSQL does not have, so it refuses to drop, rename or alter one (its unsupported-features
// page; observed for types: `unsupported object in DROP statement`). Extensions are removed
// instead (removed-statements.ts); sequences DSQL has.
const MISSING_OBJECTS: Readonly<Record<string, { what: string; hint: string }>> = {
  OBJECT_TYPE: {
    what: 'a type',
    hint: 'DSQL has no types of its own: if the type became text with a CHECK, change or drop that CHECK constraint instead.',
  },
  OBJECT_TRIGGER: { what: 'a trigger', hint: 'DSQL has no triggers: remove the statement.' },
  OBJECT_EVENT_TRIGGER: { what: 'an event trigger', hint: 'DSQL has no triggers: remove the statement.' },
  OBJECT_MATVIEW: {
    what: 'a materialized view',
    hint: 'DSQL has no materialized views: remove the statement.',
  },
  OBJECT_FOREIGN_TABLE: {
    what: 'a foreign table',
    hint: 'DSQL has no foreign tables: remove the statement.',
  },
  OBJECT_TABLESPACE: { what: 'a tablespace', hint: 'DSQL has no tablespaces: remove the statement.' },
  OBJECT_LANGUAGE: { what: 'a language', hint: 'DSQL runs SQL functions only: remove the statement.' },
  OBJECT_PROCEDURE: { what: 'a procedure', hint: 'DSQL has no procedures: remove the statement.' },
  OBJECT_TSCONFIGURATION: {
    what: 'a text search configuration',
    hint: 'DSQL has no text search: remove the statement.',
  },
  OBJECT_TSDICTIONARY: {
    what: 'a text search dictionary',
    hint: 'DSQL has no text search: remove the statement.',
  },
}

const OBJECT_FIELD: Readonly<Record<string, string>> = {
  DropStmt: 'removeType',
  RenameStmt: 'renameType',
  AlterObjectSchemaStmt: 'objectType',
  AlterOwnerStmt: 'objectType',
}

/**
 * DROP, RENAME, ALTER ... SET SCHEMA and OWNER TO of an object DSQL does not have, and CREATE
 * DOMAIN over a type it cannot store: reported, kept as written. `undefined` for anything else.
 */
export function refuseMissingObject(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] | undefined {
  const type = nodeType(node)
  const fields = fieldsOf(node)
  if (type === 'CreateDomainStmt') {
    const label = `The domain ${displayName(namesOf(fields.domainname).join('.'))}`
    const reported = reportUnsupportedType(fields.typeName, { label }, context)
    return reported ? [{ node, async: false, text: statement.text, verbatim: true }] : undefined
  }
  const field = OBJECT_FIELD[type]
  const missing = field === undefined ? undefined : MISSING_OBJECTS[String(fields[field])]
  if (missing === undefined) return undefined
  const verb = statement.text.split(/\s+/)[0]?.toUpperCase()
  context.report({
    rule: 'unsupported-statement',
    message: `${verb} of ${missing.what}: DSQL does not have such objects, and refuses the statement.`,
    hint: missing.hint,
  })
  return [{ node, async: false, text: statement.text, verbatim: true }]
}
