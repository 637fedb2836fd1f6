import {
  cloneNode,
  displayRelation,
  fieldsIf,
  listOf,
  type ParsedStatement,
  relationName,
  type SqlFields,
  type SqlNode,
} from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'

const MAX_KEY_COLUMNS = 8

// `CREATE [UNIQUE] INDEX` and a CONCURRENTLY right after it, where ASYNC goes.
const INDEX_HEAD = /^(CREATE\s+(?:UNIQUE\s+)?INDEX)(?:\s+CONCURRENTLY)?(?=\s)/i
const USING_BTREE = /\bUSING\s+"?btree"?\s*\(/i

/** `CREATE ... INDEX` printed with DSQL's `ASYNC` after `INDEX`, `CONCURRENTLY` dropped. */
export function withAsyncIndexHead(sql: string): string {
  return sql.replace(INDEX_HEAD, '$1 ASYNC')
}

/**
 * CREATE INDEX in DSQL's terms: always ASYNC (apply waits for the job), without CONCURRENTLY,
 * USING, sort order, operator classes, collations or storage options, and with at most 8 keys.
 * Expression keys, INCLUDE, NULLS [NOT] DISTINCT and WHERE pass: DSQL takes them.
 */
export function rewriteCreateIndex(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] {
  const copy = cloneNode(node)
  const fields = copy.IndexStmt as SqlFields
  const index = typeof fields.idxname === 'string' ? `Index ${fields.idxname}` : 'The index'
  const table = displayRelation(relationName(fields.relation as SqlFields))
  const keys = listOf(fields.indexParams)
  if (keys.length > MAX_KEY_COLUMNS) {
    context.report({
      rule: 'index-too-many-keys',
      message: `${index} on ${table} has ${keys.length} key columns; DSQL allows at most ${MAX_KEY_COLUMNS}.`,
      hint: 'Keep the leading 8 keys and move the others to INCLUDE (...), where they are stored but not searched.',
    })
  }
  const method = String(fields.accessMethod ?? 'btree')
  if (method !== 'btree' && method !== 'hash') {
    context.report({
      rule: 'index-method-unsupported',
      message: `${index} on ${table} uses ${method}, which DSQL does not have.`,
      hint:
        method === 'gin'
          ? 'DSQL has no inverted index: index a generated column holding the value searched for, or search without an index.'
          : 'Use the default index (no USING) on the columns queried, or none.',
    })
  }
  let edited = false
  if (method === 'hash') {
    context.report({
      rule: 'index-using-hash',
      message: `${index} on ${table} uses hash; DSQL has one index method, so USING hash is removed.`,
      hint: "DSQL's ordered index serves the same equality lookups.",
    })
    fields.accessMethod = 'btree'
    edited = true
  } else if (method === 'btree' && USING_BTREE.test(statement.text)) {
    context.report({
      rule: 'index-using-btree',
      message: `${index} on ${table} says USING btree, which DSQL refuses; the default index is the same, so it is removed.`,
    })
    edited = true
  }
  for (const key of keys) if (rewriteKey(fieldsIf(key, 'IndexElem'), index, context)) edited = true
  if (listOf(fields.options).length > 0 || fields.tableSpace !== undefined) {
    context.report({
      rule: 'index-storage-options',
      message: `${index} on ${table} has storage options (WITH or TABLESPACE); DSQL manages index storage itself, so they are removed.`,
    })
    delete fields.options
    delete fields.tableSpace
    edited = true
  }
  const concurrent = fields.concurrent === true
  if (concurrent) {
    context.report({
      rule: 'index-concurrently',
      message: `${index} on ${table} is built CONCURRENTLY, which DSQL refuses; an ASYNC build never blocks writes, so it is removed.`,
    })
    delete fields.concurrent
  }
  if (statement.async !== 'index') {
    context.report({
      rule: 'index-async',
      message: `${index} on ${table} becomes CREATE INDEX ASYNC: DSQL builds indexes only in the background.`,
      hint: 'apply waits for the job (sys.wait_for_job) before it records the statement; until then queries do not use the index.',
    })
  } else if (!edited && !concurrent) {
    return [{ node, async: true, text: statement.text, verbatim: true }]
  }
  // Only the head changes: keep the ORM's text, quoting and layout.
  if (!edited) return [{ node: copy, async: true, text: withAsyncIndexHead(statement.text) }]
  return [{ node: copy, async: true }]
}

/** Sort order, operator class and collation taken off one index key. Returns whether any was. */
function rewriteKey(key: SqlFields | undefined, index: string, context: RewriteContext): boolean {
  if (key === undefined) return false
  const name = typeof key.name === 'string' ? `key ${key.name}` : 'an expression key'
  let changed = false
  if (key.ordering === 'SORTBY_ASC' || key.ordering === 'SORTBY_DESC') {
    const descending = key.ordering === 'SORTBY_DESC'
    context.report({
      rule: descending ? 'index-desc-removed' : 'index-asc-removed',
      message: `${index}: ${name} is ${descending ? 'DESC' : 'ASC'}, and DSQL refuses a sort order on index keys, so it is removed.`,
      hint: descending
        ? 'The index still serves ORDER BY ... DESC on this key alone (scanned backwards); a query ordering keys in mixed directions may sort in memory.'
        : undefined,
    })
    key.ordering = 'SORTBY_DEFAULT'
    changed = true
  }
  if (listOf(key.opclass).length > 0) {
    context.report({
      rule: 'index-opclass-removed',
      message: `${index}: ${name} names an operator class, which DSQL's index syntax does not take; the type's default is used.`,
      hint: 'A pattern operator class (text_pattern_ops) is not needed for LIKE prefix searches under the C collation DSQL uses.',
    })
    delete key.opclass
    delete key.opclassopts
    changed = true
  }
  if (listOf(key.collation).length > 0) {
    context.report({
      rule: 'index-collation-removed',
      message: `${index}: ${name} has a COLLATE clause; DSQL uses the C collation only, so it is removed.`,
    })
    delete key.collation
    changed = true
  }
  return changed
}

/** `DROP INDEX CONCURRENTLY` without CONCURRENTLY, which DSQL refuses (dropping never blocks writes there). */
export function rewriteDropIndex(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] {
  const fields = node.DropStmt as SqlFields
  if (fields.removeType !== 'OBJECT_INDEX' || fields.concurrent !== true) {
    return [{ node, async: false, text: statement.text, verbatim: true }]
  }
  context.report({
    rule: 'index-concurrently',
    message:
      'DROP INDEX CONCURRENTLY: DSQL refuses CONCURRENTLY, and dropping an index does not block writes there, so it is removed.',
  })
  const copy = cloneNode(node)
  delete (copy.DropStmt as SqlFields).concurrent
  return [{ node: copy, async: false }]
}
