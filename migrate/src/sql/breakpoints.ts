/** A stretch of a migration's text between two of its ORM's breakpoints. */
export interface TextChunk {
  readonly start: number
  readonly end: number
}

// drizzle-kit writes this line between statements; its migrator splits on it, not on `;`.
const BREAKPOINT = /^[ \t]*-->[ \t]*statement-breakpoint[ \t]*(?:\r?\n|$)/gm

/** The text cut at every breakpoint line, the lines themselves left out. */
export function splitOnBreakpoints(sql: string): TextChunk[] {
  const chunks: TextChunk[] = []
  let start = 0
  for (const match of sql.matchAll(BREAKPOINT)) {
    chunks.push({ start, end: match.index })
    start = match.index + match[0].length
  }
  chunks.push({ start, end: sql.length })
  return chunks.filter((chunk) => sql.slice(chunk.start, chunk.end).trim() !== '')
}
