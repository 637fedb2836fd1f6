import { cloneNode, quoteIdentifier, type SqlFields, type SqlNode, stringNode } from '../../sql/index.js'

/**
 * Parse trees for the statements a rewrite adds, shaped exactly as PostgreSQL's parser shapes
 * them, so a printed statement parses back to the same tree (the printer checks it does).
 */

/** `ALTER TABLE [IF EXISTS] <the same table> <cmds>`. */
export function alterTable(statement: SqlFields, cmds: readonly SqlNode[]): SqlNode {
  const fields: SqlFields = {
    relation: cloneNode(statement.relation),
    cmds: [...cmds],
    objtype: 'OBJECT_TABLE',
  }
  if (statement.missing_ok === true) fields.missing_ok = true
  return { AlterTableStmt: fields }
}

function command(subtype: string, extra: SqlFields): SqlNode {
  return { AlterTableCmd: { subtype, ...extra, behavior: 'DROP_RESTRICT' } }
}

/** `ADD <constraint>`. */
export function addConstraint(constraint: SqlFields): SqlNode {
  return command('AT_AddConstraint', { def: { Constraint: constraint } })
}

/** `VALIDATE CONSTRAINT <name>`. */
export function validateConstraint(name: string): SqlNode {
  return command('AT_ValidateConstraint', { name })
}

/** `ALTER COLUMN <column> SET DEFAULT <expression>`. */
export function setDefault(column: string, expression: unknown): SqlNode {
  return command('AT_ColumnDefault', { name: column, def: expression })
}

/** `ADD COLUMN <column>`. */
export function addColumn(column: SqlFields, ifNotExists: boolean): SqlNode {
  return command(
    'AT_AddColumn',
    ifNotExists ? { def: { ColumnDef: column }, missing_ok: true } : { def: { ColumnDef: column } },
  )
}

function indexKey(name: string): SqlNode {
  return { IndexElem: { name, ordering: 'SORTBY_DEFAULT', nulls_ordering: 'SORTBY_NULLS_DEFAULT' } }
}

/** `CREATE UNIQUE INDEX <name> ON <the table> (<keys>) [INCLUDE (...)] [NULLS NOT DISTINCT]`. */
export function uniqueIndex(
  statement: SqlFields,
  name: string,
  keys: readonly string[],
  including: readonly string[],
  nullsNotDistinct: boolean,
): SqlNode {
  const fields: SqlFields = {
    idxname: name,
    relation: cloneNode(statement.relation),
    accessMethod: 'btree',
    indexParams: keys.map(indexKey),
  }
  if (including.length > 0) fields.indexIncludingParams = including.map(indexKey)
  fields.unique = true
  if (nullsNotDistinct) fields.nulls_not_distinct = true
  return { IndexStmt: fields }
}

/** `CONSTRAINT <name> UNIQUE USING INDEX <name>`: the constraint made on an existing unique index. */
export function uniqueUsingIndex(name: string): SqlFields {
  return { contype: 'CONSTR_UNIQUE', conname: name, indexname: name }
}

/** The constraint, named, as `NOT VALID`: checked for new rows at once, for existing ones by VALIDATE. */
export function notValid(constraint: SqlFields, name: string): SqlFields {
  const copy = cloneNode(constraint)
  copy.conname = name
  delete copy.initially_valid
  copy.skip_validation = true
  return copy
}

/** A column constraint made a table constraint on `column` (REFERENCES gets its FOREIGN KEY column). */
export function asTableConstraint(constraint: SqlFields, column: string): SqlFields {
  const copy = cloneNode(constraint)
  if (copy.contype === 'CONSTR_FOREIGN') copy.fk_attrs = [stringNode(column)]
  if (copy.contype === 'CONSTR_UNIQUE' || copy.contype === 'CONSTR_PRIMARY') copy.keys = [stringNode(column)]
  return copy
}

/**
 * The text of `ALTER TABLE <table> ADD CONSTRAINT <name> UNIQUE USING INDEX <name>`: the deparser
 * prints the index name unquoted, which PostgreSQL folds to lower case.
 */
export function uniqueUsingIndexText(statement: SqlFields, name: string): string {
  const relation = statement.relation as SqlFields
  const table = [relation.schemaname, relation.relname]
    .filter((part): part is string => typeof part === 'string')
    .map(quoteIdentifier)
    .join('.')
  const ifExists = statement.missing_ok === true ? 'IF EXISTS ' : ''
  const only = relation.inh === true ? '' : 'ONLY '
  const quoted = quoteIdentifier(name)
  return `ALTER TABLE ${ifExists}${only}${table} ADD CONSTRAINT ${quoted} UNIQUE USING INDEX ${quoted}`
}
