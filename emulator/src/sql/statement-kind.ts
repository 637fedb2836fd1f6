/**
 * What a statement does, as far as part 1 of the emulator needs to know: whether it ends a
 * transaction and whether it writes. A first-keyword classification after comments, enough to
 * arm faults and latency; part 2's full classifier replaces it where transaction rules need more.
 */
export const STATEMENT_KINDS = ['begin', 'commit', 'rollback', 'read', 'write', 'ddl', 'other'] as const
export type StatementKind = (typeof STATEMENT_KINDS)[number]

const KINDS: Readonly<Record<string, StatementKind>> = {
  BEGIN: 'begin',
  START: 'begin',
  COMMIT: 'commit',
  END: 'commit',
  ROLLBACK: 'rollback',
  ABORT: 'rollback',
  SELECT: 'read',
  VALUES: 'read',
  TABLE: 'read',
  SHOW: 'read',
  EXPLAIN: 'read',
  FETCH: 'read',
  MOVE: 'read',
  DECLARE: 'read',
  CLOSE: 'read',
  INSERT: 'write',
  UPDATE: 'write',
  DELETE: 'write',
  MERGE: 'write',
  TRUNCATE: 'write',
  CREATE: 'ddl',
  ALTER: 'ddl',
  DROP: 'ddl',
  GRANT: 'ddl',
  REVOKE: 'ddl',
  COMMENT: 'ddl',
}

/** The statement's leading keyword, upper-cased, after whitespace, comments and parentheses. */
export function leadingKeyword(sql: string): string {
  return keywordAt(sql).keyword
}

function keywordAt(sql: string): { keyword: string; start: number } {
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x28 || c === 0x3b) {
      i++
    } else if (c === 0x2d && sql.charCodeAt(i + 1) === 0x2d) {
      const end = sql.indexOf('\n', i)
      i = end < 0 ? n : end + 1
    } else if (c === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
      // Block comments nest in PostgreSQL.
      let depth = 1
      i += 2
      while (i < n && depth > 0) {
        if (sql.charCodeAt(i) === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
          depth++
          i += 2
        } else if (sql.charCodeAt(i) === 0x2a && sql.charCodeAt(i + 1) === 0x2f) {
          depth--
          i += 2
        } else {
          i++
        }
      }
    } else {
      break
    }
  }
  let end = i
  while (end < n && /[A-Za-z_]/.test(sql[end]!)) end++
  return { keyword: sql.slice(i, end).toUpperCase(), start: i }
}

export function classifyStatement(sql: string): StatementKind {
  const { keyword, start } = keywordAt(sql)
  if (
    keyword === 'ROLLBACK' &&
    /^ROLLBACK\s+(?:(?:TRANSACTION|WORK)\s+)?(?:TO|PREPARED)\b/i.test(sql.slice(start))
  ) {
    return 'other'
  }
  if (keyword === 'COPY') return /\bFROM\b/i.test(sql) ? 'write' : 'read'
  if (keyword === 'WITH') return /\b(?:INSERT|UPDATE|DELETE|MERGE)\b/i.test(sql) ? 'write' : 'read'
  return KINDS[keyword] ?? 'other'
}

const READ_TAGS = new Set([
  'SELECT',
  'SHOW',
  'SET',
  'RESET',
  'BEGIN',
  'START',
  'COMMIT',
  'ROLLBACK',
  'EXPLAIN',
  'FETCH',
  'MOVE',
  'DECLARE',
  'CLOSE',
  'DISCARD',
  'DEALLOCATE',
  'PREPARE',
  'LISTEN',
  'UNLISTEN',
  'NOTIFY',
  'VALUES',
  'TABLE',
  'LOCK',
  'DO',
  'CALL',
  'ANALYZE',
  'VACUUM',
  'CHECKPOINT',
  'SAVEPOINT',
  'RELEASE',
])

/** Whether a command tag (`INSERT 0 1`, `CREATE TABLE`, ...) reports a write or a catalog change. */
export function isWriteTag(tag: string): boolean {
  const space = tag.indexOf(' ')
  const verb = space < 0 ? tag : tag.slice(0, space)
  if (verb === 'COPY') return false
  return !READ_TAGS.has(verb)
}

/** Whether a command tag only begins or ends a transaction. */
export function isTransactionControlTag(tag: string): boolean {
  return tag === 'BEGIN' || tag === 'START TRANSACTION' || tag === 'COMMIT' || tag === 'ROLLBACK'
}
