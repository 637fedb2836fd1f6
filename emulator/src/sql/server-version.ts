import type { SqlNode, SqlParser } from './sql-parser.js'
import { fieldsOf, listOf, stringOf, walk } from './sql-tree.js'

/** What a DSQL cluster reports about itself (reference §2, "Environment"; observed 2026-09-15). */
export const DSQL_VERSION = 'PostgreSQL 16'
export const DSQL_SETTINGS: Readonly<Record<string, string>> = {
  server_version: '16.15',
  server_version_num: '160015',
}

/** DSQL's value for `SHOW name`, when it differs from the backend's. */
export function showValue(node: SqlNode): string | undefined {
  const show = fieldsOf(node, 'VariableShowStmt')
  return show === undefined ? undefined : DSQL_SETTINGS[String(show.name).toLowerCase()]
}

function functionName(call: Record<string, unknown>): string | undefined {
  const names = listOf(call.funcname).map(stringOf)
  if (names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog')) return undefined
  return names[names.length - 1]
}

/** DSQL's answer to `version()` or `current_setting('server_version[_num]' [, missing_ok])`. */
function dsqlValue(call: Record<string, unknown>): string | undefined {
  const name = functionName(call)
  const args = listOf(call.args)
  if (name === 'version') return args.length === 0 ? DSQL_VERSION : undefined
  if (name !== 'current_setting' || args.length === 0 || args.length > 2) return undefined
  const setting = stringOf(args[0])
  return setting === undefined ? undefined : DSQL_SETTINGS[setting.toLowerCase()]
}

/** The expression a result column is named after, through casts (as PostgreSQL names it). */
function namingCall(value: unknown): Record<string, unknown> | undefined {
  let node = value
  for (;;) {
    const cast = fieldsOf(node, 'TypeCast')
    if (cast === undefined) return fieldsOf(node, 'FuncCall')
    node = cast.arg
  }
}

/**
 * A query's text with `version()` and `current_setting('server_version')` (and `_num`) answered
 * as DSQL answers them, wherever they appear; `undefined` when the query has none. Result
 * columns keep the names PostgreSQL gives the calls. Pure, given the parser.
 */
export function withDsqlSettings(node: SqlNode, parser: SqlParser): string | undefined {
  const copy = structuredClone(node) as SqlNode
  let found = false
  walk(copy, (type, fields) => {
    if (type === 'ResTarget' && fields.name === undefined) {
      const call = namingCall(fields.val)
      if (call !== undefined && dsqlValue(call) !== undefined) fields.name = functionName(call)
    }
    for (const [key, child] of Object.entries(fields)) {
      const replace = (item: unknown) => {
        const call = fieldsOf(item, 'FuncCall')
        const value = call === undefined ? undefined : dsqlValue(call)
        if (value === undefined) return item
        found = true
        return {
          TypeCast: {
            arg: { A_Const: { sval: { sval: value } } },
            typeName: { names: [{ String: { sval: 'pg_catalog' } }, { String: { sval: 'text' } }] },
          },
        }
      }
      fields[key] = Array.isArray(child) ? child.map(replace) : replace(child)
    }
  })
  return found ? parser.deparse(copy) : undefined
}
