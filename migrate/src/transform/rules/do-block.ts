import { defElemsOf, fieldsOf, type SqlNode, stringOf } from '../../sql/index.js'

// drizzle-kit before 0.21 wrapped each CREATE TYPE and ADD CONSTRAINT so a rerun would skip it:
//   DO $$ BEGIN <statement>; EXCEPTION WHEN duplicate_object THEN null; END $$;
const GUARD =
  /^\s*BEGIN\s+([\s\S]+?);?\s*EXCEPTION\s+WHEN\s+[a-z_]+(?:\s+OR\s+[a-z_]+)*\s+THEN\s+null\s*;\s*END\s*;?\s*$/i

/** The one statement a DO block only guards against an existing object, or `undefined`. */
export function guardedStatement(node: SqlNode): string | undefined {
  const options = defElemsOf(fieldsOf(node).args)
  const language = stringOf(options.get('language'))?.toLowerCase() ?? 'plpgsql'
  const body = stringOf(options.get('as'))
  if (language !== 'plpgsql' || body === undefined) return undefined
  const inner = GUARD.exec(body)?.[1]
  return inner === undefined || inner.includes(';') ? undefined : inner.trim()
}
