import { loadSqlParser, type SqlParser } from '../sql/index.js'

/** A column as the catalog has it. */
export interface CurrentColumn {
  /** `format_type`'s spelling, e.g. `character varying(255)`. */
  readonly type: string
  readonly notNull: boolean
  /** `pg_get_expr` of its default, or null. */
  readonly defaultExpression: string | null
  /** Tables and columns it references with a single-column foreign key, as `table.column`. */
  readonly references: readonly string[]
  /** Whether a unique index or constraint covers exactly this column. */
  readonly unique: boolean
}

// The pieces of Sequelize's Postgres `changeColumnQuery`, one per statement (Sequelize 6).
const ALTER_COLUMN =
  /^ALTER TABLE .+? ALTER COLUMN "((?:[^"]|"")+)" (SET NOT NULL|DROP NOT NULL|DROP DEFAULT|SET DEFAULT (.+)|TYPE (.+))$/s
const ADD_FOREIGN_KEY =
  /^ALTER TABLE .+? ADD FOREIGN KEY \("((?:[^"]|"")+)"\) REFERENCES (.+?) \("((?:[^"]|"")+)"\)/s
const ADD_UNIQUE = /^ALTER TABLE .+? ADD UNIQUE \("((?:[^"]|"")+)"\)\s*$/s

/**
 * `sync({ alter: true })` re-states every existing column, changed or not: NOT NULL, default, type,
 * unique and foreign key, each as an ALTER TABLE of its own (and DSQL refuses `ALTER COLUMN … TYPE`
 * whatever the type). This keeps only the statements that change something: a type that differs
 * once both spellings are read by PostgreSQL's parser, a default whose expression differs, a
 * nullability, a unique or a foreign key the column does not have yet.
 */
export async function changesOnly(statements: readonly string[], current: CurrentColumn): Promise<string[]> {
  const parser = await loadSqlParser()
  return statements.filter((statement) => !isNoOp(parser, statement.trim(), current))
}

function isNoOp(parser: SqlParser, statement: string, current: CurrentColumn): boolean {
  const alter = ALTER_COLUMN.exec(statement)
  if (alter !== null) {
    const [, , action, defaultExpression, type] = alter
    if (action === 'SET NOT NULL') return current.notNull
    if (action === 'DROP NOT NULL') return !current.notNull
    if (action === 'DROP DEFAULT') return current.defaultExpression === null
    if (defaultExpression !== undefined) {
      return (
        current.defaultExpression !== null &&
        sameExpression(parser, defaultExpression, current.defaultExpression)
      )
    }
    return type !== undefined && !/\bUSING\b/i.test(type) && sameType(parser, type, current.type)
  }
  const foreignKey = ADD_FOREIGN_KEY.exec(statement)
  if (foreignKey !== null) {
    const table = unquote(foreignKey[2] as string)
    return current.references.includes(`${table}.${unquote(`"${foreignKey[3]}"`)}`)
  }
  return ADD_UNIQUE.test(statement) && current.unique
}

/** `"public"."orders"` → `orders`: the table's own name, which is what `references` holds. */
function unquote(name: string): string {
  const last = name.match(/"((?:[^"]|"")+)"\s*$/)?.[1] ?? name.split('.').pop() ?? name
  return last.replaceAll('""', '"')
}

function sameType(parser: SqlParser, a: string, b: string): boolean {
  const read = (type: string) =>
    shapeOf(parser, `SELECT NULL::${type}`, (target) => target.TypeCast?.typeName)
  const left = read(a)
  return left !== undefined && left === read(b)
}

function sameExpression(parser: SqlParser, a: string, b: string): boolean {
  // `'pending'` and `'pending'::text` are the same default: a cast of a constant is dropped.
  const read = (expression: string) =>
    shapeOf(parser, `SELECT ${expression}`, (target) =>
      target.TypeCast?.arg?.A_Const === undefined ? target : target.TypeCast.arg,
    )
  const left = read(a)
  return left !== undefined && left === read(b)
}

interface TargetValue {
  TypeCast?: { typeName?: unknown; arg?: { A_Const?: unknown } }
}

/** A parsed piece of `sql` as comparable text (locations removed), or undefined if it does not parse. */
function shapeOf(parser: SqlParser, sql: string, pick: (target: TargetValue) => unknown): string | undefined {
  try {
    const [statement] = parser.parse(sql)
    if (statement === undefined) return undefined
    const select = (
      statement.node as { SelectStmt?: { targetList?: { ResTarget?: { val?: TargetValue } }[] } }
    ).SelectStmt
    const value = select?.targetList?.[0]?.ResTarget?.val
    return value === undefined
      ? undefined
      : JSON.stringify(pick(value), (key, v) => (key === 'location' ? undefined : v))
  } catch {
    // Not something PostgreSQL reads as a type or an expression: never call it a no-op.
    return undefined
  }
}
