import type { ParsedStatement, SqlNode } from '../sql/index.js'
import type { RuleName } from './rule-catalog.js'

/** Something a rule found in a statement, before it is placed in the source. */
export interface Finding {
  readonly rule: RuleName
  readonly message: string
  readonly hint?: string
  /** A node's `location`, to point at the word rather than at the statement. */
  readonly at?: unknown
}

/** An enum type made by `CREATE TYPE ... AS ENUM` in the same migration. */
export interface EnumType {
  readonly name: string
  readonly values: readonly string[]
}

/** What every rule can see and do while it rewrites one statement. */
export interface RewriteContext {
  /** The `CACHE` for identity columns and sequences (1 or at least 65536). */
  readonly identityCache: number
  /** Enum types the migration makes, by `schema.name` (`public` when unqualified). */
  readonly enums: ReadonlyMap<string, EnumType>
  report(finding: Finding): void
}

/**
 * One statement of the output in the making: the node to run, and the text when it is known
 * without printing the node (the statement as written, or a small edit of it).
 */
export interface Draft {
  readonly node: SqlNode
  /** Run as `CREATE INDEX ASYNC` or `ALTER TABLE ASYNC`. */
  readonly async: boolean
  readonly text?: string
  /** `text` is the statement as written: printed as is, with no need to check it. */
  readonly verbatim?: boolean
}

/** The statement as written, unchanged. */
export function keep(statement: ParsedStatement): Draft {
  return { node: statement.node, async: statement.async !== undefined, text: statement.text, verbatim: true }
}
