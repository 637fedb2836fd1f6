import { fieldsOf, type SqlNode } from '../../sql/index.js'
import type { CatalogColumn, CatalogConstraint, CatalogReader } from './catalog-reader.js'
import { type CatalogText, columnDifferences, columnFromDefinition } from './catalog-text.js'
import { constraintShape, describeConstraint, exprKey, sameConstraint, typeKey } from './normal-form.js'
import { applied, combine, drift, notApplied, type Recognition, rerun } from './recognition.js'
import { relationName } from './recognize-table.js'

type Fields = Record<string, unknown>

interface TableState {
  readonly name: string
  readonly columns: readonly CatalogColumn[]
  readonly constraints: readonly CatalogConstraint[]
}

/**
 * `ALTER TABLE`, one verdict per action (DSQL takes one action per statement; PostgreSQL's
 * several commit together, so some there and some missing is drift).
 */
export async function recognizeAlterTable(
  statement: Fields,
  catalog: CatalogReader,
  text: CatalogText,
): Promise<Recognition> {
  const table = relationName(statement.relation)
  const found = await catalog.relation(table.schema, table.name)
  if (found === undefined) {
    return statement.missing_ok === true
      ? rerun(`table ${table.name} does not exist (IF EXISTS)`)
      : drift(`table ${table.name} does not exist`)
  }
  const state: TableState = {
    name: table.name,
    columns: await catalog.columns(found.oid),
    constraints: await catalog.constraints(found.oid),
  }
  const commands = Array.isArray(statement.cmds) ? (statement.cmds as SqlNode[]) : []
  const parts = commands.map((command) => recognizeCommand(fieldsOf(command), state, text))
  return combine(parts, `ALTER TABLE ${table.name}`)
}

function recognizeCommand(command: Fields, table: TableState, text: CatalogText): Recognition {
  const name = typeof command.name === 'string' ? command.name : ''
  const column = table.columns.find((c) => c.name === name)
  const where = `${table.name}.${name}`
  switch (command.subtype) {
    case 'AT_AddColumn': {
      const expected = columnFromDefinition(fieldsOf((command.def ?? {}) as SqlNode)).column
      const present = table.columns.find((c) => c.name === expected.name)
      if (present === undefined) return notApplied(`column ${table.name}.${expected.name} does not exist`)
      const differences = columnDifferences(table.name, expected, text.column(present))
      return differences.length === 0
        ? applied(`column ${table.name}.${expected.name} exists as the statement makes it`)
        : drift(...differences)
    }
    case 'AT_DropColumn':
      return column === undefined
        ? applied(`column ${where} is gone`)
        : notApplied(`column ${where} still exists`)
    case 'AT_ColumnDefault': {
      if (column === undefined) return drift(`column ${where} does not exist`)
      const want = command.def === undefined ? undefined : exprKey(command.def)
      const got = column.defaultExpr === null ? undefined : text.exprKey(column.defaultExpr)
      return want === got
        ? applied(`column ${where} has the statement's DEFAULT`)
        : notApplied(`column ${where} has another DEFAULT`)
    }
    case 'AT_DropNotNull':
    case 'AT_SetNotNull': {
      if (column === undefined) return drift(`column ${where} does not exist`)
      const want = command.subtype === 'AT_SetNotNull'
      return column.notNull === want
        ? applied(`column ${where} is ${want ? 'NOT NULL' : 'nullable'}`)
        : notApplied(`column ${where} is not yet ${want ? 'NOT NULL' : 'nullable'}`)
    }
    case 'AT_AlterColumnType': {
      if (column === undefined) return drift(`column ${where} does not exist`)
      const want = typeKey(fieldsOf((command.def ?? {}) as SqlNode).typeName)
      return text.typeKey(column.type) === want
        ? applied(`column ${where} is ${column.type}`)
        : notApplied(`column ${where} is still ${column.type}`)
    }
    case 'AT_AddConstraint':
      return recognizeAddConstraint(fieldsOf((command.def ?? {}) as SqlNode), table, text)
    case 'AT_ValidateConstraint': {
      const constraint = table.constraints.find((c) => c.name === name)
      if (constraint === undefined) return drift(`constraint ${name} on ${table.name} does not exist`)
      return constraint.validated
        ? applied(`constraint ${name} is validated`)
        : notApplied(`constraint ${name} is not yet validated`)
    }
    case 'AT_DropConstraint':
      return table.constraints.some((c) => c.name === name)
        ? notApplied(`constraint ${name} still exists`)
        : applied(`constraint ${name} is gone`)
    default:
      return rerun(`ALTER TABLE ${String(command.subtype)} is not read from the catalog`)
  }
}

function recognizeAddConstraint(constraint: Fields, table: TableState, text: CatalogText): Recognition {
  const shape = constraintShape(constraint)
  const name = typeof constraint.conname === 'string' ? constraint.conname : undefined
  const label = `${name ?? ''} ${describeConstraint(shape)}`.trim()
  if (shape.type === 'other') return rerun(`constraint ${label} is not read from the catalog`)
  const candidates = table.constraints.filter((c) => name === undefined || c.name === name)
  if (candidates.length === 0) return notApplied(`constraint ${label} does not exist on ${table.name}`)
  const same = candidates.find((c) => sameConstraint(shape, text.constraint(c)))
  if (same !== undefined)
    return applied(`constraint ${same.name} exists on ${table.name} as the statement makes it`)
  return name === undefined
    ? notApplied(`no constraint like ${label} on ${table.name}`)
    : drift(`constraint ${name} on ${table.name} has another definition: ${candidates[0]?.definition}`)
}
