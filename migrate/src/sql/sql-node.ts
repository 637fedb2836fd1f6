/** A node of PostgreSQL's parse tree as libpg-query prints it: `{ NodeType: { ...fields } }`. */
export type SqlNode = { readonly [type: string]: unknown }

/** The node's type, e.g. `CreateStmt`. */
export function nodeType(node: SqlNode): string {
  return Object.keys(node)[0] as string
}

/** The node's fields, whatever its type. */
export function fieldsOf(node: SqlNode): Record<string, unknown> {
  return (node[nodeType(node)] ?? {}) as Record<string, unknown>
}
