import { fieldsOf, type SqlNode, type SqlParser } from '../../sql/index.js'
import type { CatalogColumn, CatalogConstraint } from './catalog-reader.js'
import { type ConstraintShape, constraintShape, exprKey, typeKey } from './normal-form.js'

type Fields = Record<string, unknown>

/** A column as recognition compares it. */
export interface ColumnShape {
  readonly name: string
  readonly type: string
  readonly notNull: boolean
  readonly identity: string
  /** The default's canonical form, or undefined. */
  readonly defaultKey: string | undefined
}

const first = (list: unknown): SqlNode => (Array.isArray(list) ? list[0] : {}) as SqlNode

/**
 * Reads what the catalog prints (`format_type`, `pg_get_expr`, `pg_get_constraintdef`,
 * `pg_get_indexdef`) with the same parser that read the statement, so both sides meet in one
 * normal form.
 */
export class CatalogText {
  readonly #parser: SqlParser

  constructor(parser: SqlParser) {
    this.#parser = parser
  }

  statement(sql: string): SqlNode {
    return (this.#parser.parse(sql)[0]?.node ?? {}) as SqlNode
  }

  #selected(sql: string): SqlNode {
    const target = fieldsOf(first(fieldsOf(this.statement(sql)).targetList))
    return (target.val ?? {}) as SqlNode
  }

  typeKey(formatted: string): string {
    return typeKey(fieldsOf(this.#selected(`SELECT NULL::${formatted}`)).typeName)
  }

  exprKey(printed: string): string {
    return exprKey(this.#selected(`SELECT ${printed}`))
  }

  constraint(found: CatalogConstraint): ConstraintShape {
    const alter = fieldsOf(this.statement(`ALTER TABLE t ADD ${found.definition}`))
    const cmd = fieldsOf(first(alter.cmds))
    return constraintShape(fieldsOf((cmd.def ?? {}) as SqlNode))
  }

  indexFields(definition: string): Fields {
    return fieldsOf(this.statement(definition))
  }

  column(found: CatalogColumn): ColumnShape {
    return {
      name: found.name,
      type: this.typeKey(found.type),
      notNull: found.notNull,
      identity: found.identity,
      defaultKey: found.defaultExpr === null ? undefined : this.exprKey(found.defaultExpr),
    }
  }
}

/**
 * A `ColumnDef` as the catalog will hold it: primary key and identity columns are NOT NULL;
 * a column's PRIMARY KEY, UNIQUE, REFERENCES and CHECK become table constraints (returned
 * apart, as `constraints`).
 */
export function columnFromDefinition(definition: Fields): {
  column: ColumnShape
  constraints: { name: string | undefined; shape: ConstraintShape }[]
} {
  const name = String(definition.colname)
  let notNull = false
  let identity = ''
  let defaultKey: string | undefined
  const constraints: { name: string | undefined; shape: ConstraintShape }[] = []
  const keep = (constraint: Fields) =>
    constraints.push({
      name: typeof constraint.conname === 'string' ? constraint.conname : undefined,
      shape: constraintShape(constraint, name),
    })
  for (const item of Array.isArray(definition.constraints) ? definition.constraints : []) {
    const constraint = fieldsOf(item as SqlNode)
    switch (constraint.contype) {
      case 'CONSTR_NOTNULL':
        notNull = true
        break
      case 'CONSTR_DEFAULT':
        defaultKey = exprKey(constraint.raw_expr)
        break
      case 'CONSTR_IDENTITY':
        identity = String(constraint.generated_when ?? 'a')
        notNull = true
        break
      case 'CONSTR_PRIMARY':
        notNull = true
        keep(constraint)
        break
      case 'CONSTR_UNIQUE':
      case 'CONSTR_FOREIGN':
      case 'CONSTR_CHECK':
        keep(constraint)
        break
    }
  }
  const type = typeKey(definition.typeName)
  return { column: { name, type, notNull, identity, defaultKey }, constraints }
}

/** How `found` differs from `expected`, one phrase per difference; empty when they match. */
export function columnDifferences(table: string, expected: ColumnShape, found: ColumnShape): string[] {
  const where = `column ${table}.${expected.name}`
  const differences: string[] = []
  if (expected.type !== found.type)
    differences.push(`${where} is ${found.type}, the statement makes ${expected.type}`)
  if (expected.notNull !== found.notNull) {
    differences.push(
      `${where} is ${found.notNull ? 'NOT NULL' : 'nullable'}, the statement makes it ${expected.notNull ? 'NOT NULL' : 'nullable'}`,
    )
  }
  if (expected.identity !== found.identity)
    differences.push(`${where} differs in identity (GENERATED … AS IDENTITY)`)
  if (expected.defaultKey !== found.defaultKey) differences.push(`${where} has a different DEFAULT`)
  return differences
}
