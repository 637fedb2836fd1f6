/**
 * A query the ORM would have sent with bind parameters (`$1`, `$2` …), as one SQL text with the
 * values written in as literals, so it can be kept in a migration and journaled as text.
 * Placeholders inside strings, quoted identifiers, dollar-quoted bodies and comments are left as
 * they are. Values are written as pg sends them: strings and dates quoted (dates in ISO 8601, UTC),
 * buffers as bytea hex, arrays as PostgreSQL array literals, other objects as JSON text.
 */
export function inlineParameters(sql: string, parameters: readonly unknown[] | undefined): string {
  if (parameters === undefined || parameters.length === 0) return sql
  let out = ''
  let at = 0
  while (at < sql.length) {
    const skip = skippedRegionEnd(sql, at)
    if (skip > at) {
      out += sql.slice(at, skip)
      at = skip
      continue
    }
    const placeholder = /^\$(\d+)/.exec(sql.slice(at, at + 12))
    if (placeholder !== null && !/[\w$]/.test(sql[at - 1] ?? ' ')) {
      const index = Number(placeholder[1]) - 1
      if (index < 0 || index >= parameters.length) {
        throw new RangeError(`${placeholder[0]} has no value: the query was given ${parameters.length}.`)
      }
      out += literal(parameters[index])
      at += placeholder[0].length
      continue
    }
    out += sql[at]
    at++
  }
  return out
}

/** Where a string, quoted identifier, dollar-quoted body or comment starting at `at` ends. */
function skippedRegionEnd(sql: string, at: number): number {
  const char = sql[at]
  if (char === "'" || char === '"') {
    let end = at + 1
    while (end < sql.length) {
      if (sql[end] === char) {
        if (sql[end + 1] === char) end += 2
        else return end + 1
      } else end++
    }
    return sql.length
  }
  if (sql.startsWith('--', at)) {
    const end = sql.indexOf('\n', at)
    return end === -1 ? sql.length : end + 1
  }
  if (sql.startsWith('/*', at)) {
    const end = sql.indexOf('*/', at + 2)
    return end === -1 ? sql.length : end + 2
  }
  if (char === '$') {
    const tag = /^\$(?:[A-Za-z_][\w]*)?\$/.exec(sql.slice(at, at + 64))
    if (tag !== null && !/[\w$]/.test(sql[at - 1] ?? ' ')) {
      const end = sql.indexOf(tag[0], at + tag[0].length)
      return end === -1 ? sql.length : end + tag[0].length
    }
  }
  return at
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `'${value}'`
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return quote(value.toISOString())
  if (Buffer.isBuffer(value)) return `'\\x${value.toString('hex')}'::bytea`
  if (Array.isArray(value)) return quote(arrayLiteral(value))
  if (typeof value === 'object') return quote(JSON.stringify(value))
  return quote(String(value))
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/** `{a,"b c",NULL}`: the text pg sends for a JavaScript array. */
function arrayLiteral(values: readonly unknown[]): string {
  const element = (value: unknown): string => {
    if (value === null || value === undefined) return 'NULL'
    if (Array.isArray(value)) return arrayLiteral(value)
    const text =
      value instanceof Date
        ? value.toISOString()
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value)
    return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
  }
  return `{${values.map(element).join(',')}}`
}
