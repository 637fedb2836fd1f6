/** `AWS IAM GRANT role TO 'arn'` or `AWS IAM REVOKE role FROM 'arn'`, parsed. */
export interface IamStatement {
  readonly verb: 'GRANT' | 'REVOKE'
  readonly role: string
  readonly arn: string
}

// A role is a bare identifier (folded to lower case) or a double-quoted one ("" escapes ").
const PATTERN =
  /^\s*AWS\s+IAM\s+(GRANT|REVOKE)\s+(?:([A-Za-z_][A-Za-z0-9_$]*)|"((?:[^"]|"")+)")\s+(TO|FROM)\s+'((?:[^']|'')*)'\s*;?\s*$/i

/**
 * Recognizes DSQL's IAM mapping statements, which PostgreSQL does not know, in the text of a
 * simple query. Returns `undefined` for anything else (including these statements mixed with
 * others in one query string, which go to the backend and fail there as a syntax error). Pure.
 */
export function parseIamStatement(sql: string): IamStatement | undefined {
  const match = PATTERN.exec(sql)
  if (match === null) return undefined
  const verb = match[1]!.toUpperCase() as 'GRANT' | 'REVOKE'
  const preposition = match[4]!.toUpperCase()
  if ((verb === 'GRANT') !== (preposition === 'TO')) return undefined
  const role = match[2] !== undefined ? match[2].toLowerCase() : match[3]!.replaceAll('""', '"')
  const arn = match[5]!.replaceAll("''", "'")
  // Backslashes would read differently with standard_conforming_strings off: leave them out.
  if (role.includes('\\') || arn.includes('\\')) return undefined
  return { verb, role, arn }
}

/** Quotes a string as an SQL literal. */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}
