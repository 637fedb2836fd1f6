import { createHash } from 'node:crypto'
import { type SqlParser, SqlSyntaxError, statementKind } from '../sql/index.js'
import type { PlannedStatement, TransformOptions, TransformResult } from '../transform/index.js'
import type { PlanProblem, StatementRef } from './apply-errors.js'
import type { Migration } from './apply-options.js'

/** One statement as the runner runs it. */
export interface PlannedStep {
  readonly ref: StatementRef
  readonly sql: string
  readonly kind: PlannedStatement['kind']
  readonly async: boolean
  /** sha256 (hex) of `sql`: what the journal records, and what drift is checked against. */
  readonly hash: string
}

export interface PlannedMigration {
  readonly id: string
  /** sha256 (hex) of the migration's source (its SQL, or its statements). */
  readonly checksum: string
  readonly steps: readonly PlannedStep[]
  /** Why it cannot run (transform's errors, a syntax error); empty when it can. */
  readonly problems: readonly PlanProblem[]
}

/** `transform`, or a stand-in with its signature. */
export type TransformFunction = (
  sql: string,
  options: TransformOptions,
) => TransformResult | Promise<TransformResult>

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/**
 * Plans every migration before anything runs: SQL through `transform` (its `error` changes
 * become problems), statements given as strings through the parser (each must be exactly one
 * statement), statements given as transform's output as they are.
 */
export async function planMigrations(
  migrations: readonly Migration[],
  transform: TransformFunction,
  transformOptions: TransformOptions,
  parser: SqlParser,
): Promise<PlannedMigration[]> {
  const planned: PlannedMigration[] = []
  for (const migration of migrations) {
    planned.push(
      typeof migration.sql === 'string'
        ? await planSql(migration.id, migration.sql, transform, transformOptions)
        : planStatements(migration.id, migration.statements ?? [], parser),
    )
  }
  return planned
}

function step(migrationId: string, index: number, statement: PlannedStatement): PlannedStep {
  return {
    ref: { migrationId, index, location: statement.location },
    sql: statement.sql,
    kind: statement.kind,
    async: statement.async,
    hash: sha256(statement.sql),
  }
}

async function planSql(
  id: string,
  sql: string,
  transform: TransformFunction,
  options: TransformOptions,
): Promise<PlannedMigration> {
  const checksum = sha256(sql)
  try {
    const result = await transform(sql, { source: id, ...options })
    const problems = result.changes
      .filter((change) => change.severity === 'error')
      .map((change) => ({
        migrationId: id,
        location: change.location,
        message: change.message,
        ...(change.hint === undefined ? {} : { hint: change.hint }),
      }))
    return { id, checksum, steps: result.statements.map((s, index) => step(id, index, s)), problems }
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error
    return {
      id,
      checksum,
      steps: [],
      problems: [{ migrationId: id, location: error.location, message: error.message }],
    }
  }
}

function planStatements(
  id: string,
  statements: readonly (PlannedStatement | string)[],
  parser: SqlParser,
): PlannedMigration {
  const checksum = sha256(JSON.stringify(statements.map((s) => (typeof s === 'string' ? s : s.sql))))
  const problems: PlanProblem[] = []
  const steps: PlannedStep[] = []
  statements.forEach((statement, index) => {
    if (typeof statement !== 'string') {
      steps.push(step(id, index, statement))
      return
    }
    const source = `${id}#${index + 1}`
    try {
      const parsed = parser.parse(statement, source)
      const only = parsed[0]
      if (parsed.length !== 1 || only === undefined) {
        problems.push({
          migrationId: id,
          location: only?.location ?? { source, line: 1, column: 1, offset: 0 },
          message: `statement ${index + 1} holds ${parsed.length} statements; give one per string, or give the SQL as \`sql\``,
        })
        return
      }
      if (only.node.TransactionStmt !== undefined) {
        problems.push({
          migrationId: id,
          location: only.location,
          message:
            'BEGIN, COMMIT and ROLLBACK cannot be given: the runner runs every statement in a transaction of its own',
        })
        return
      }
      const kind = statementKind(only.node)
      steps.push(
        step(id, index, {
          sql: statement.trim(),
          location: only.location,
          async: only.async !== undefined,
          kind,
        }),
      )
    } catch (error) {
      if (!(error instanceof SqlSyntaxError)) throw error
      problems.push({ migrationId: id, location: error.location, message: error.message })
    }
  })
  return { id, checksum, steps, problems }
}
