import { isDeepStrictEqual } from 'node:util'
import { nodeType, type SqlParser, SqlSyntaxError, withoutLocations } from '../sql/index.js'
import type { Draft } from './rewrite-context.js'
import { withAsyncIndexHead } from './rules/create-index.js'

const ALTER_TABLE_HEAD = /^ALTER\s+TABLE(?=\s)/i

/**
 * The SQL text of a draft: as written, a small edit of it, or the deparser's print of its tree
 * (CREATE TABLE laid out on several lines), with DSQL's ASYNC where it goes. Anything but the
 * text as written is parsed again and must give the same tree: the deparser has known gaps (it
 * drops INCLUDE from table constraints, for one), and a migration tool must not change a
 * statement's meaning by printing it. `undefined` when the check fails.
 */
export function printDraft(parser: SqlParser, draft: Draft): string | undefined {
  if (draft.verbatim === true && draft.text !== undefined) return draft.text
  const candidates = draft.text === undefined ? printed(parser, draft) : [draft.text]
  return candidates.find((sql) => printsTheSame(parser, sql, draft))
}

/** The deparser's text, first with the spaces it leaves at line ends taken off, then as it is. */
function printed(parser: SqlParser, draft: Draft): string[] {
  const type = nodeType(draft.node)
  let sql = parser.deparse(draft.node, { pretty: type === 'CreateStmt' })
  if (draft.async)
    sql = type === 'IndexStmt' ? withAsyncIndexHead(sql) : sql.replace(ALTER_TABLE_HEAD, 'ALTER TABLE ASYNC')
  const trimmed = sql.replace(/[ \t]+$/gm, '')
  return trimmed === sql ? [sql] : [trimmed, sql]
}

function printsTheSame(parser: SqlParser, sql: string, draft: Draft): boolean {
  try {
    const parsed = parser.parse(sql)
    return (
      parsed.length === 1 &&
      (parsed[0]?.async !== undefined) === draft.async &&
      isDeepStrictEqual(withoutLocations(parsed[0]?.node), withoutLocations(draft.node))
    )
  } catch (error) {
    if (error instanceof SqlSyntaxError) return false
    throw error
  }
}
