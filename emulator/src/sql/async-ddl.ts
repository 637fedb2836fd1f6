import type { EmulatorProfile } from './dialect-profile.js'
import type { ParsedStatement, SqlParser } from './sql-parser.js'
import { nodeType } from './sql-tree.js'

/** DSQL's asynchronous DDL: `CREATE [UNIQUE] INDEX ASYNC` and `ALTER TABLE ASYNC`. */
export type AsyncForm = 'index' | 'alter-table'

/** A SQL string as PostgreSQL's parser reads it once DSQL's `ASYNC` words are blanked out. */
export interface AsyncParse {
  /** The text the parser read: the client's, with each `ASYNC` that starts a statement blanked. */
  readonly text: string
  /** Its statements; `undefined` when PostgreSQL refuses the text as a syntax error. */
  readonly statements: readonly ParsedStatement[] | undefined
  /** For each statement, the `ASYNC` form it was written with. */
  readonly forms: readonly (AsyncForm | undefined)[]
}

const ASYNC_WORD = /\b(CREATE\s+(?:UNIQUE\s+)?INDEX|ALTER\s+TABLE)(\s+)ASYNC\b/gi
const LEADING_NOISE = /^(?:\s|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/
const HEADS: Readonly<Record<AsyncForm, { node: string; head: RegExp }>> = {
  index: { node: 'IndexStmt', head: /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+$/i },
  'alter-table': { node: 'AlterTableStmt', head: /^ALTER\s+TABLE\s+$/i },
}

interface Candidate {
  readonly form: AsyncForm
  /** Where the word `ASYNC` starts. */
  readonly at: number
}

/** The same text with five spaces for each `ASYNC`: every other offset stays put. */
function blank(sql: string, candidates: readonly Candidate[]): string {
  let text = sql
  for (const { at } of candidates) text = `${text.slice(0, at)}     ${text.slice(at + 5)}`
  return text
}

function statementOf(candidate: Candidate, statements: readonly ParsedStatement[]) {
  return statements.find((s) => candidate.at >= s.start && candidate.at < s.end)
}

/** Whether a blanked `ASYNC` sat right after its statement's `CREATE INDEX` / `ALTER TABLE`. */
function startsStatement(candidate: Candidate, statements: readonly ParsedStatement[], text: string) {
  const statement = statementOf(candidate, statements)
  if (statement === undefined) return false
  const { node, head } = HEADS[candidate.form]
  const before = text.slice(statement.start, candidate.at)
  const lead = LEADING_NOISE.exec(before)?.[0].length ?? 0
  return nodeType(statement.node) === node && head.test(before.slice(lead))
}

/**
 * Parses SQL that may use DSQL's `ASYNC` forms anywhere (a multi-statement query too). Each
 * `ASYNC` is blanked before PostgreSQL's parser reads the text and kept blanked only where it
 * starts its statement: in a string or a comment it stays as written. Profile `late-2025` knows
 * `CREATE INDEX ASYNC` only: `ALTER TABLE ASYNC` (2026-08-03) is left for the backend to refuse
 * as a syntax error. Pure, given the parser.
 */
export function parseAsyncSql(sql: string, parser: SqlParser, profile: EmulatorProfile): AsyncParse {
  let candidates: Candidate[] = [...sql.matchAll(ASYNC_WORD)]
    .map((match) => ({
      form: (/^CREATE/i.test(match[1] as string) ? 'index' : 'alter-table') as AsyncForm,
      at: (match.index ?? 0) + (match[1] as string).length + (match[2] as string).length,
    }))
    .filter((candidate) => candidate.form === 'index' || profile === '2026')
  for (;;) {
    const text = blank(sql, candidates)
    const statements = parser.parse(text)
    if (statements === undefined) return { text, statements, forms: [] }
    const misplaced = candidates.filter((c) => !startsStatement(c, statements, text))
    if (misplaced.length === 0) {
      const forms = statements.map((s) => candidates.find((c) => statementOf(c, [s]) !== undefined)?.form)
      return { text, statements, forms }
    }
    candidates = candidates.filter((c) => !misplaced.includes(c))
  }
}
