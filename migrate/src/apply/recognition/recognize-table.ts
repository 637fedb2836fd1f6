import { fieldsOf, type SqlNode } from '../../sql/index.js'
import type { CatalogReader } from './catalog-reader.js'
import {
  type CatalogText,
  type ColumnShape,
  columnDifferences,
  columnFromDefinition,
} from './catalog-text.js'
import { type ConstraintShape, constraintShape, describeConstraint, sameConstraint } from './normal-form.js'
import { applied, drift, notApplied, type Recognition } from './recognition.js'

type Fields = Record<string, unknown>

export interface RelationName {
  readonly schema: string | undefined
  readonly name: string
}

export function relationName(relation: unknown): RelationName {
  const fields = (relation ?? {}) as Fields
  return {
    schema: typeof fields.schemaname === 'string' ? fields.schemaname : undefined,
    name: String(fields.relname ?? ''),
  }
}

interface ExpectedConstraint {
  readonly name: string | undefined
  readonly shape: ConstraintShape
}

/**
 * `CREATE TABLE`: applied when the table has exactly the statement's columns (names in order,
 * types, NOT NULL, identity, defaults) and constraints (primary key, unique, foreign keys,
 * checks; by name where the statement names them).
 */
export async function recognizeCreateTable(
  statement: Fields,
  catalog: CatalogReader,
  text: CatalogText,
): Promise<Recognition> {
  const table = relationName(statement.relation)
  const found = await catalog.relation(table.schema, table.name)
  if (found === undefined) return notApplied(`table ${table.name} does not exist`)
  if (found.kind !== 'r' && found.kind !== 'p')
    return drift(`${table.name} exists but is not a table (relkind ${found.kind})`)

  const columns: ColumnShape[] = []
  const constraints: ExpectedConstraint[] = []
  for (const element of Array.isArray(statement.tableElts) ? (statement.tableElts as SqlNode[]) : []) {
    const fields = fieldsOf(element)
    if ('ColumnDef' in element) {
      const column = columnFromDefinition(fields)
      columns.push(column.column)
      constraints.push(...column.constraints)
    } else if ('Constraint' in element) {
      constraints.push({
        name: typeof fields.conname === 'string' ? fields.conname : undefined,
        shape: constraintShape(fields),
      })
    }
  }
  const actualColumns = (await catalog.columns(found.oid)).map((column) => text.column(column))
  const differences = compareColumns(table.name, withKeyColumnsNotNull(columns, constraints), actualColumns)
  const actualConstraints = (await catalog.constraints(found.oid)).map((c) => ({
    name: c.name,
    shape: text.constraint(c),
  }))
  differences.push(...compareConstraints(table.name, constraints, actualConstraints))
  return differences.length === 0
    ? applied(`table ${table.name} exists with the statement's columns and constraints`)
    : drift(...differences)
}

/**
 * The columns with those of the primary key NOT NULL, as PostgreSQL makes them: a key written
 * apart from its columns (`CONSTRAINT t_pkey PRIMARY KEY (id)`, as Knex and Sequelize write it,
 * or merged in from an ALTER TABLE) makes them NOT NULL as surely as one written on the column.
 */
function withKeyColumnsNotNull(
  columns: readonly ColumnShape[],
  constraints: readonly ExpectedConstraint[],
): ColumnShape[] {
  const keyed = new Set(constraints.flatMap((c) => (c.shape.type === 'primary' ? c.shape.columns : [])))
  return columns.map((column) => (keyed.has(column.name) ? { ...column, notNull: true } : column))
}

function compareColumns(
  table: string,
  expected: readonly ColumnShape[],
  actual: readonly ColumnShape[],
): string[] {
  const differences: string[] = []
  const expectedNames = expected.map((c) => c.name)
  const actualNames = actual.map((c) => c.name)
  for (const column of expected) {
    const match = actual.find((c) => c.name === column.name)
    if (match === undefined) differences.push(`column ${table}.${column.name} is missing`)
    else differences.push(...columnDifferences(table, column, match))
  }
  const extra = actualNames.filter((name) => !expectedNames.includes(name))
  if (extra.length > 0)
    differences.push(`table ${table} has columns the statement does not make: ${extra.join(', ')}`)
  if (differences.length === 0 && expectedNames.join(',') !== actualNames.join(',')) {
    differences.push(`table ${table} has its columns in another order: ${actualNames.join(', ')}`)
  }
  return differences
}

function compareConstraints(
  table: string,
  expected: readonly ExpectedConstraint[],
  actual: readonly { name: string; shape: ConstraintShape }[],
): string[] {
  const unmatched = [...actual]
  const differences: string[] = []
  for (const want of expected) {
    const at = unmatched.findIndex(
      (got) => (want.name === undefined || got.name === want.name) && sameConstraint(want.shape, got.shape),
    )
    if (at === -1) {
      const label =
        want.name === undefined
          ? describeConstraint(want.shape)
          : `${want.name} ${describeConstraint(want.shape)}`
      differences.push(`table ${table} lacks constraint ${label}, or has it with another definition`)
    } else unmatched.splice(at, 1)
  }
  for (const extra of unmatched) {
    differences.push(
      `table ${table} has constraint ${extra.name} (${describeConstraint(extra.shape)}) the statement does not make`,
    )
  }
  return differences
}
