/** Where something is in a migration's source text. Lines and columns count from 1. */
export interface SourceLocation {
  /** The file or migration it came from, when known. */
  readonly source?: string
  readonly line: number
  readonly column: number
  /** Characters (UTF-16 code units, as JavaScript counts them) from the start of the text. */
  readonly offset: number
}

/** The location of character `offset` of `text`. */
export function locate(text: string, offset: number, source?: string): SourceLocation {
  let line = 1
  let lineStart = 0
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line++
    lineStart = at + 1
  }
  const location = { line, column: offset - lineStart + 1, offset }
  return source === undefined ? location : { source, ...location }
}

/** `file:line:column`, or `line:column` without a source. */
export function formatLocation(location: SourceLocation): string {
  const place = `${location.line}:${location.column}`
  return location.source === undefined ? place : `${location.source}:${place}`
}
