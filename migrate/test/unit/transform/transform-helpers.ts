import { expect } from 'vitest'
import { loadSqlParser, statementKind } from '../../../src/sql/index.js'
import {
  loadTransformer,
  renderSql,
  type TransformOptions,
  type TransformResult,
} from '../../../src/transform/index.js'

/** The statements as the tables below write them: SQL, and ` [async]` when DSQL answers a job. */
export function statementsOf(result: TransformResult): string[] {
  return result.statements.map((statement) => `${statement.sql}${statement.async ? ' [async]' : ''}`)
}

/** The changes as `severity rule`. */
export function changesOf(result: TransformResult): string[] {
  return result.changes.map((change) => `${change.severity} ${change.rule}`)
}

/** transform, synchronously once loaded, with every invariant of its output checked. */
export async function transformChecked(sql: string, options?: TransformOptions): Promise<TransformResult> {
  const transformer = await loadTransformer()
  const result = transformer.transform(sql, options)
  await expectInvariants(result, options)
  return result
}

/**
 * What holds for any output: each statement parses as exactly one statement holding at most one
 * DDL, its kind and async flag are what the parser says, and transforming the output again
 * gives the same statements with nothing left to change (errors, kept as written, are found again).
 */
export async function expectInvariants(result: TransformResult, options?: TransformOptions): Promise<void> {
  const parser = await loadSqlParser()
  for (const statement of result.statements) {
    const parsed = parser.parse(statement.sql)
    expect(parsed, statement.sql).toHaveLength(1)
    expect(statementKind(parsed[0]!.node), statement.sql).toBe(statement.kind)
    const asyncForm = parsed[0]!.async
    expect(asyncForm !== undefined, statement.sql).toBe(statement.async)
  }
  const transformer = await loadTransformer()
  const again = transformer.transform(renderSql(result.statements), options)
  expect(again.statements.map((s) => s.sql)).toEqual(result.statements.map((s) => s.sql))
  expect(again.changes.filter((change) => change.severity !== 'error').map((c) => c.rule)).toEqual([])
  expect(again.changes.length).toBe(result.changes.filter((change) => change.severity === 'error').length)
}
