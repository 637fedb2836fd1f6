// `-- pg-dsql-migrate: allow serial-to-identity, index-desc-removed` in the comments right before
// a statement: its author has reviewed those advisories.
const DIRECTIVE = /pg-dsql-migrate:\s*allow\s+([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)/gi

/** The rule names a statement's leading comments allow. */
export function acknowledgedRules(leading: string): Set<string> {
  const rules = new Set<string>()
  if (!leading.includes('pg-dsql-migrate')) return rules
  for (const match of leading.matchAll(DIRECTIVE)) {
    for (const rule of (match[1] as string).split(',')) rules.add(rule.trim().toLowerCase())
  }
  return rules
}
