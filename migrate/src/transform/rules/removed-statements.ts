import {
  fieldsOf,
  listOf,
  namesOf,
  nodeType,
  type ParsedStatement,
  type SqlNode,
  stringOf,
} from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'

const EXTENSION_STATEMENTS = new Set([
  'CreateExtensionStmt',
  'AlterExtensionStmt',
  'AlterExtensionContentsStmt',
])

// What each extension ORMs ask for was used for, and what stands in for it on DSQL.
const EXTENSION_HINTS: Readonly<Record<string, string>> = {
  'uuid-ossp': 'gen_random_uuid() is built in; transform rewrites uuid_generate_v4() to it.',
  pgcrypto: 'gen_random_uuid() is built in; other pgcrypto functions do not exist on DSQL.',
  citext: 'citext columns fail: use text compared through lower().',
  hstore: 'hstore columns fail: use jsonb.',
  postgis: 'PostGIS types and functions fail: keep coordinates as numeric columns or jsonb.',
  vector: 'vector columns fail: keep embeddings in a store that supports them.',
  pg_trgm: 'Trigram indexes and similarity() fail: search in the application.',
}

/**
 * Statements removed with a note: CREATE/ALTER/DROP EXTENSION (DSQL has none; what used them
 * must change) and VACUUM (DSQL needs none). `undefined` for any other statement.
 */
export function removeObsolete(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] | undefined {
  const type = nodeType(node)
  const fields = fieldsOf(node)
  const dropping = type === 'DropStmt' && fields.removeType === 'OBJECT_EXTENSION'
  if (EXTENSION_STATEMENTS.has(type) || dropping) {
    const names = dropping
      ? listOf(fields.objects).map((item) => stringOf(item) ?? namesOf(item).join('.'))
      : [String(fields.extname)]
    context.report({
      rule: 'extension',
      message: `${statement.text.split(/\s+/).slice(0, 2).join(' ').toUpperCase()} ${names.join(', ')} removed: DSQL supports no extensions.`,
      hint: names.map((name) => EXTENSION_HINTS[name] ?? `Whatever uses ${name} must change.`).join(' '),
    })
    return []
  }
  if (type === 'VacuumStmt' && fields.is_vacuumcmd === true) {
    context.report({
      rule: 'vacuum',
      message: 'VACUUM removed: DSQL maintains storage itself and refuses VACUUM.',
    })
    return []
  }
  return undefined
}
