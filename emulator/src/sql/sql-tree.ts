import type { SqlNode } from './sql-parser.js'

/** The node type of a parse-tree node (`UpdateStmt`, `ColumnRef`, ...). */
export function nodeType(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined
  const keys = Object.keys(node)
  return keys.length === 1 ? keys[0] : undefined
}

/** The fields of a node of type `type`, or `undefined` when it is another node. */
export function fieldsOf(node: unknown, type: string): Record<string, unknown> | undefined {
  if (nodeType(node) !== type) return undefined
  return (node as Record<string, Record<string, unknown>>)[type]
}

/** A node's only fields, whatever its type. */
export function bodyOf(node: SqlNode): Record<string, unknown> {
  const type = nodeType(node)
  return type === undefined ? {} : ((node as Record<string, Record<string, unknown>>)[type] ?? {})
}

/** A list field as an array (the parser leaves empty lists out). */
export function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : []
}

/** The string of a `String` node, or of an `A_Const` holding one. */
export function stringOf(node: unknown): string | undefined {
  const plain = fieldsOf(node, 'String')
  if (plain !== undefined) return plain.sval as string
  const constant = fieldsOf(node, 'A_Const')
  const sval = constant?.sval as { sval?: string } | undefined
  return sval?.sval
}

/** The integer of an `Integer` node or of an `A_Const` holding one (the parser omits 0). */
export function integerOf(node: unknown): number | undefined {
  const plain = fieldsOf(node, 'Integer')
  if (plain !== undefined) return (plain.ival as number | undefined) ?? 0
  const constant = fieldsOf(node, 'A_Const')
  if (constant?.ival !== undefined) return (constant.ival as { ival?: number }).ival ?? 0
  return undefined
}

/** The names of a qualified name list (`[String, String]`), e.g. `['pg_catalog', 'int4']`. */
export function namesOf(list: unknown): string[] {
  return listOf(list).map((item) => stringOf(item) ?? '')
}

/** The `DefElem` options of a list, by name. */
export function optionsOf(list: unknown): Map<string, unknown> {
  const options = new Map<string, unknown>()
  for (const item of listOf(list)) {
    const def = fieldsOf(item, 'DefElem')
    if (def !== undefined) options.set(def.defname as string, def.arg)
  }
  return options
}

/**
 * Visits every node under `root` (depth first, the root included). `visit` returning `false`
 * skips that node's children.
 */
export function walk(root: unknown, visit: (type: string, fields: Record<string, unknown>) => unknown) {
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const value = stack.pop()
    if (value === null || typeof value !== 'object') continue
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i])
      continue
    }
    const type = nodeType(value)
    const inner = type === undefined ? value : (value as Record<string, unknown>)[type]
    if (type !== undefined && /^[A-Z]/.test(type) && inner !== null && typeof inner === 'object') {
      if (visit(type, inner as Record<string, unknown>) === false) continue
    }
    if (inner !== null && typeof inner === 'object') {
      for (const child of Object.values(inner as Record<string, unknown>)) stack.push(child)
    }
  }
}
