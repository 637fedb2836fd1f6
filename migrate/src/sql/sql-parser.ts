import { locate, type SourceLocation } from './source-location.js'
import { nodeType, type SqlNode } from './sql-node.js'

/** DSQL's own syntax that PostgreSQL's parser does not know: `ASYNC` after these words. */
export type AsyncForm = 'index' | 'alter-table'

/** One statement of a parsed SQL text. */
export interface ParsedStatement {
  /** The statement's node, e.g. `{ CreateStmt: { ... } }`, with DSQL's `ASYNC` taken out. */
  readonly node: SqlNode
  /** The statement's text as written (with `ASYNC`, without the separating semicolon). */
  readonly text: string
  /** Where the statement starts in the text that was parsed. */
  readonly location: SourceLocation
  /** `CREATE [UNIQUE] INDEX ASYNC` or `ALTER TABLE ASYNC`, when written so. */
  readonly async?: AsyncForm
}

/** PostgreSQL refused the text as a syntax error. */
export class SqlSyntaxError extends Error {
  override readonly name = 'SqlSyntaxError'
  readonly code = 'ERR_DSQL_MIGRATE_SYNTAX'
  constructor(
    message: string,
    readonly location: SourceLocation,
  ) {
    super(message)
  }
}

/** What the migrator needs from PostgreSQL's parser. */
export interface SqlParser {
  /** The statements of `sql`, in order. Throws SqlSyntaxError where PostgreSQL would. */
  parse(sql: string, source?: string): readonly ParsedStatement[]
  /** SQL text for a statement or expression node. */
  deparse(node: SqlNode): string
}

interface RawStatement {
  stmt: SqlNode
  stmt_location?: number
  stmt_len?: number
}

interface LibpgQuery {
  loadModule(): Promise<void>
  parseSync(sql: string): unknown
}

interface Deparser {
  deparseSync(node: never, options: { pretty: boolean }): string
}

// `ASYNC` right after `CREATE [UNIQUE] INDEX` or `ALTER TABLE`. It is blanked out (the same number
// of spaces, so every offset stays put) before PostgreSQL's parser sees the text, and kept only
// where it turns out to start a statement: one inside a string or a comment is left as it was.
const ASYNC_WORD = /\b(CREATE\s+(?:UNIQUE\s+)?INDEX|ALTER\s+TABLE)(\s+)ASYNC\b/gi
const LEADING_NOISE = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/

let loading: Promise<SqlParser> | undefined

/**
 * PostgreSQL's own parser (libpg-query, compiled to WebAssembly) and the deparser that prints its
 * trees back as SQL, loaded once per process on first use.
 */
export function loadSqlParser(): Promise<SqlParser> {
  loading ??= Promise.all([
    import('libpg-query') as Promise<LibpgQuery>,
    import('pgsql-deparser') as Promise<Deparser>,
  ]).then(async ([libpg, deparser]) => {
    await libpg.loadModule()
    return {
      parse: (sql, source) => parseText(libpg, sql, source),
      deparse: (node) => deparser.deparseSync(node as never, { pretty: false }),
    }
  })
  return loading
}

function parseText(libpg: LibpgQuery, sql: string, source?: string): readonly ParsedStatement[] {
  const candidates = [...sql.matchAll(ASYNC_WORD)].map((match) => ({
    form: (/^CREATE/i.test(match[1] as string) ? 'index' : 'alter-table') as AsyncForm,
    word: (match.index as number) + (match[1] as string).length + (match[2] as string).length,
  }))
  let blanked = candidates
  for (;;) {
    const statements = parseOnce(
      libpg,
      blank(
        sql,
        blanked.map((c) => c.word),
      ),
      sql,
      source,
    )
    const misplaced = blanked.filter((candidate) => !startsStatement(candidate, statements, sql))
    if (misplaced.length === 0) {
      return statements.map((statement) => {
        const async = blanked.find((c) => c.word > statement.location.offset && c.word < statement.end)
        const { end: _end, ...rest } = statement
        return Object.freeze(async === undefined ? rest : { ...rest, async: async.form })
      })
    }
    blanked = blanked.filter((candidate) => !misplaced.includes(candidate))
  }
}

function blank(sql: string, words: readonly number[]): string {
  let text = sql
  for (const at of words) text = `${text.slice(0, at)}     ${text.slice(at + 5)}`
  return text
}

function startsStatement(
  candidate: { form: AsyncForm; word: number },
  statements: readonly (ParsedStatement & { end: number })[],
  sql: string,
): boolean {
  const statement = statements.find((s) => candidate.word > s.location.offset && candidate.word < s.end)
  if (statement === undefined) return false
  const expected = candidate.form === 'index' ? 'IndexStmt' : 'AlterTableStmt'
  const head = sql.slice(statement.location.offset, candidate.word)
  const lead = LEADING_NOISE.exec(head)?.[0].length ?? 0
  return (
    nodeType(statement.node) === expected &&
    /^(CREATE\s+(UNIQUE\s+)?INDEX|ALTER\s+TABLE)\s+$/i.test(head.slice(lead))
  )
}

function parseOnce(
  libpg: LibpgQuery,
  text: string,
  original: string,
  source?: string,
): (ParsedStatement & { end: number })[] {
  // Offsets from the parser count bytes of UTF-8; JavaScript strings count UTF-16 units.
  const bytes = Buffer.from(text, 'utf8')
  const toChar = (byteOffset: number) => bytes.toString('utf8', 0, byteOffset).length
  let tree: { stmts?: RawStatement[] }
  try {
    tree = libpg.parseSync(text) as { stmts?: RawStatement[] }
  } catch (error) {
    const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails
    const at = Math.max(0, toChar(details?.cursorPosition ?? 0))
    throw new SqlSyntaxError(details?.message ?? (error as Error).message, locate(original, at, source))
  }
  return (tree.stmts ?? []).map((raw) => {
    const byteStart = raw.stmt_location ?? 0
    const byteEnd = raw.stmt_len === undefined || raw.stmt_len === 0 ? bytes.length : byteStart + raw.stmt_len
    const start = toChar(byteStart)
    const end = toChar(byteEnd)
    const lead = LEADING_NOISE.exec(original.slice(start, end))?.[0].length ?? 0
    return {
      node: raw.stmt,
      text: original.slice(start + lead, end).trim(),
      location: locate(original, start + lead, source),
      end,
    }
  })
}
