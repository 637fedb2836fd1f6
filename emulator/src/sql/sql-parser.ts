/** A node of PostgreSQL's parse tree as libpg-query prints it: `{ NodeType: { ...fields } }`. */
export type SqlNode = { readonly [type: string]: unknown }

/** One statement of a parsed SQL string, with its own text. */
export interface ParsedStatement {
  /** The statement's node, e.g. `{ UpdateStmt: { ... } }`. */
  readonly node: SqlNode
  /** The statement's own text, cut from the string at the parser's offsets. */
  readonly text: string
  /** Where the statement's slice of the string starts and ends, in characters. */
  readonly start: number
  readonly end: number
}

/** What the emulator needs from PostgreSQL's parser. */
export interface SqlParser {
  /** The statements of `sql`, or `undefined` when PostgreSQL would refuse it as a syntax error. */
  parse(sql: string): readonly ParsedStatement[] | undefined
  /** SQL text for a statement or expression node. */
  deparse(node: SqlNode): string
}

/** Parsed strings kept, by text: an app sends the same few statements over and over. */
const CACHE_ENTRIES = 2000

interface RawStatement {
  stmt: SqlNode
  stmt_location?: number
  stmt_len?: number
}

/**
 * Loads PostgreSQL's own parser (libpg-query, compiled to WebAssembly) and the deparser that
 * prints its trees back as SQL. Loaded on demand, when an emulator starts, so the driver never
 * pays for it.
 */
export async function loadSqlParser(): Promise<SqlParser> {
  const [libpg, deparser] = await Promise.all([import('libpg-query'), import('pgsql-deparser')])
  await libpg.loadModule()
  const cache = new Map<string, readonly ParsedStatement[] | undefined>()
  return {
    parse(sql) {
      if (cache.has(sql)) return cache.get(sql)
      let statements: readonly ParsedStatement[] | undefined
      try {
        const tree = libpg.parseSync(sql) as { stmts?: RawStatement[] }
        // Offsets count bytes of UTF-8; the text is cut from the bytes to match.
        const bytes = Buffer.from(sql, 'utf8')
        const chars = (byteOffset: number) => bytes.toString('utf8', 0, byteOffset).length
        statements = (tree.stmts ?? []).map((raw) => {
          const start = raw.stmt_location ?? 0
          const end = raw.stmt_len === undefined || raw.stmt_len === 0 ? bytes.length : start + raw.stmt_len
          return Object.freeze({
            node: raw.stmt,
            text: bytes.toString('utf8', start, end).trim(),
            start: chars(start),
            end: chars(end),
          })
        })
      } catch {
        statements = undefined
      }
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
      cache.set(sql, statements)
      return statements
    },
    deparse(node) {
      return deparser.deparseSync(node as never, { pretty: false })
    },
  }
}
