/** A node of PostgreSQL's parse tree as libpg-query prints it: `{ NodeType: { ...fields } }`. */
export type SqlNode = { readonly [type: string]: unknown }

/** A node's fields, mutable: rewrites work on a deep copy of the statement (see `cloneNode`). */
export type SqlFields = Record<string, unknown>

/** The node's type, e.g. `CreateStmt`. */
export function nodeType(node: SqlNode): string {
  return Object.keys(node)[0] as string
}

/** The node's fields, whatever its type. */
export function fieldsOf(node: SqlNode): SqlFields {
  return (node[nodeType(node)] ?? {}) as SqlFields
}

/** The fields of `value` when it is a node of `type`, else `undefined`. */
export function fieldsIf(value: unknown, type: string): SqlFields | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const fields = (value as Record<string, unknown>)[type]
  return typeof fields === 'object' && fields !== null ? (fields as SqlFields) : undefined
}

/** A list field as an array (libpg-query leaves empty lists out). */
export function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  const list = fieldsIf(value, 'List')
  return Array.isArray(list?.items) ? (list.items as unknown[]) : []
}

/** The text of a `String` node, `undefined` for anything else. */
export function stringOf(value: unknown): string | undefined {
  const fields = fieldsIf(value, 'String')
  return typeof fields?.sval === 'string' ? fields.sval : undefined
}

/** The names of a list of `String` nodes, e.g. a qualified type name: `['pg_catalog', 'int4']`. */
export function namesOf(value: unknown): string[] {
  return listOf(value).flatMap((item) => {
    const name = stringOf(item)
    return name === undefined ? [] : [name]
  })
}

/** `{ String: { sval } }`, the way the parser writes a name. */
export function stringNode(sval: string): SqlNode {
  return { String: { sval } }
}

/** The whole-number value of an `Integer` node or an integer constant, `undefined` otherwise. */
export function integerOf(value: unknown): number | undefined {
  const integer = fieldsIf(value, 'Integer') ?? fieldsIf(fieldsIf(value, 'A_Const'), 'ival')
  if (integer !== undefined) return typeof integer.ival === 'number' ? integer.ival : 0
  // Numbers beyond 32 bits come as Float nodes holding their digits.
  const float = fieldsIf(value, 'Float')
  const digits = typeof float?.fval === 'string' ? float.fval : undefined
  return digits !== undefined && /^-?\d+$/.test(digits) ? Number(digits) : undefined
}

/** A `DefElem` list (sequence options, storage parameters) as name → argument. */
export function defElemsOf(value: unknown): Map<string, unknown> {
  const elements = new Map<string, unknown>()
  for (const item of listOf(value)) {
    const element = fieldsIf(item, 'DefElem')
    if (typeof element?.defname === 'string') elements.set(element.defname, element.arg)
  }
  return elements
}

/** A deep copy of a node, for rewriting without touching the parsed original. */
export function cloneNode<T>(node: T): T {
  return structuredClone(node)
}

/**
 * Calls `visit` for every node in the tree, depth first, parents before children. `visit` may
 * change the node's fields in place.
 */
export function walkNodes(value: unknown, visit: (type: string, fields: SqlFields) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walkNodes(item, visit)
    return
  }
  if (typeof value !== 'object' || value === null) return
  for (const [key, child] of Object.entries(value)) {
    if (/^[A-Z]/.test(key) && typeof child === 'object' && child !== null && !Array.isArray(child)) {
      visit(key, child as SqlFields)
    }
    walkNodes(child, visit)
  }
}

/**
 * The tree without its source positions, so two parses of equivalent text compare equal: what the
 * printer's self-check compares.
 */
export function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations)
  if (typeof value !== 'object' || value === null) return value
  const copy: Record<string, unknown> = {}
  for (const [key, child] of Object.entries(value)) {
    if (key === 'location' || key === 'stmt_location' || key === 'stmt_len') continue
    copy[key] = withoutLocations(child)
  }
  return copy
}
