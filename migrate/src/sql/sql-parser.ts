import { splitOnBreakpoints } from './breakpoints.js'
import type { SourceLocation } from './source-location.js'
import { nodeType, type SqlNode } from './sql-node.js'
import { TextIndex } from './text-index.js'

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
  /** The comments (and blank space) between the previous statement and this one. */
  readonly leading: string
  /** Where a node's `location` (a UTF-8 byte offset, as the parser counts) is in the source. */
  locationOf(nodeLocation: unknown): SourceLocation
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
  /**
   * The statements of `sql`, in order. Throws SqlSyntaxError where PostgreSQL would. Text that
   * only parses once cut at Drizzle's `--> statement-breakpoint` lines is cut there.
   */
  parse(sql: string, source?: string): readonly ParsedStatement[]
  /** SQL text for a statement or expression node; `pretty` lays a statement out on several lines. */
  deparse(node: SqlNode, options?: { pretty?: boolean }): string
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
      parse: (sql, source) => parseWithBreakpoints(libpg, sql, source),
      deparse: (node, options) => deparser.deparseSync(node as never, { pretty: options?.pretty === true }),
    }
  })
  return loading
}

function parseWithBreakpoints(libpg: LibpgQuery, sql: string, source?: string): readonly ParsedStatement[] {
  const index = new TextIndex(sql, source)
  try {
    return parseSpan(libpg, sql, index, 0, sql.length)
  } catch (error) {
    // Drizzle cuts its files at `--> statement-breakpoint`; a statement there may lack its `;`.
    const chunks = splitOnBreakpoints(sql)
    if (!(error instanceof SqlSyntaxError) || chunks.length < 2) throw error
    return chunks.flatMap((chunk) => parseSpan(libpg, sql, index, chunk.start, chunk.end))
  }
}

interface AsyncCandidate {
  readonly form: AsyncForm
  /** Where the word starts, in characters from the start of the span. */
  readonly word: number
}

/** The statements of `sql.slice(start, end)`, with every location in the whole of `sql`. */
function parseSpan(
  libpg: LibpgQuery,
  sql: string,
  index: TextIndex,
  start: number,
  end: number,
): readonly ParsedStatement[] {
  const span = sql.slice(start, end)
  // An empty text is no statements; the parser would call it an error.
  if (span.trim() === '') return []
  const candidates: AsyncCandidate[] = [...span.matchAll(ASYNC_WORD)].map((match) => ({
    form: /^CREATE/i.test(match[1] as string) ? 'index' : 'alter-table',
    word: (match.index as number) + (match[1] as string).length + (match[2] as string).length,
  }))
  let blanked = candidates
  for (;;) {
    const text = blank(
      span,
      blanked.map((c) => c.word),
    )
    const statements = parseOnce(libpg, text, { sql, index, start })
    const misplaced = blanked.filter((candidate) => !startsStatement(candidate, statements, span))
    if (misplaced.length === 0) {
      return statements.map((statement) => {
        const async = blanked.find((c) => c.word > statement.start && c.word < statement.end)
        const { end: _end, start: _start, ...rest } = statement
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

/** A statement with its span-relative start (past leading comments) and end, in characters. */
type Located = ParsedStatement & { start: number; end: number }

function startsStatement(candidate: AsyncCandidate, statements: readonly Located[], span: string): boolean {
  const statement = statements.find((s) => candidate.word > s.start && candidate.word < s.end)
  if (statement === undefined) return false
  const expected = candidate.form === 'index' ? 'IndexStmt' : 'AlterTableStmt'
  return (
    nodeType(statement.node) === expected &&
    /^(CREATE\s+(UNIQUE\s+)?INDEX|ALTER\s+TABLE)\s+$/i.test(span.slice(statement.start, candidate.word))
  )
}

/** The whole text, its index, and where the span being parsed starts in it. */
interface SpanPlace {
  readonly sql: string
  readonly index: TextIndex
  readonly start: number
}

function parseOnce(libpg: LibpgQuery, text: string, place: SpanPlace): Located[] {
  const { sql, index, start } = place
  // The parser counts UTF-8 bytes from the start of the span; locations count from the whole text.
  const byteBase = index.byteAt(start, sql)
  const spanChar = (spanByte: number) => index.charAt(byteBase + spanByte) - start
  let tree: { stmts?: RawStatement[] }
  try {
    tree = libpg.parseSync(text) as { stmts?: RawStatement[] }
  } catch (error) {
    const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails
    const at = start + Math.max(0, spanChar(details?.cursorPosition ?? 0))
    throw new SqlSyntaxError(details?.message ?? (error as Error).message, index.locate(at))
  }
  const span = sql.slice(start, start + text.length)
  return (tree.stmts ?? []).map((raw) => {
    const byteStart = raw.stmt_location ?? 0
    const begin = spanChar(byteStart)
    const end =
      raw.stmt_len === undefined || raw.stmt_len === 0 ? text.length : spanChar(byteStart + raw.stmt_len)
    const lead = LEADING_NOISE.exec(span.slice(begin, end))?.[0].length ?? 0
    const location = index.locate(start + begin + lead)
    if (byteBase > 0) shiftLocations(raw.stmt, byteBase)
    return {
      node: raw.stmt,
      text: span.slice(begin + lead, end).trim(),
      location,
      leading: span.slice(begin, begin + lead),
      // A node the parser gave no position (-1) is placed at its statement.
      locationOf: (nodeLocation: unknown) =>
        typeof nodeLocation === 'number' && nodeLocation >= 0
          ? index.locate(index.charAt(nodeLocation))
          : location,
      start: begin + lead,
      end,
    }
  })
}

/** Node locations count from the whole text, not from the span the parser was given. */
function shiftLocations(value: unknown, byteBase: number): void {
  if (Array.isArray(value)) {
    for (const item of value) shiftLocations(item, byteBase)
    return
  }
  if (typeof value !== 'object' || value === null) return
  const fields = value as Record<string, unknown>
  for (const [key, child] of Object.entries(fields)) {
    if (key === 'location' && typeof child === 'number' && child >= 0) fields[key] = child + byteBase
    else shiftLocations(child, byteBase)
  }
}
