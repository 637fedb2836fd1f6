/**
 * What the catalog says about a statement a run may have applied without recording it:
 * - `applied`: what it creates (or drops, renames …) is there, with the same definition;
 *   `pendingJobId`: its async job still runs, wait for it before recording;
 * - `not-applied`: nothing of it is there; run it (after `cleanup`, a leftover of a failed
 *   async build, when given);
 * - `drift`: something else is there (another definition, part of it);
 * - `job-failed`: it was applied and its async job failed (run `cleanup` to drop what is left);
 * - `rerun`: the catalog cannot tell (e.g. GRANT, COMMENT, functions) and running the statement
 *   again is harmless, or fails with a duplicate-object error that says it was applied.
 */
export type Recognition =
  | { readonly state: 'applied'; readonly reason: string; readonly pendingJobId?: string }
  | { readonly state: 'not-applied'; readonly reason: string; readonly cleanup?: string }
  | { readonly state: 'drift'; readonly differences: readonly string[] }
  | {
      readonly state: 'job-failed'
      readonly jobId: string
      readonly details: string | undefined
      readonly cleanup?: string
    }
  | { readonly state: 'rerun'; readonly reason: string }

export const applied = (reason: string, pendingJobId?: string): Recognition =>
  pendingJobId === undefined ? { state: 'applied', reason } : { state: 'applied', reason, pendingJobId }
export const notApplied = (reason: string, cleanup?: string): Recognition =>
  cleanup === undefined ? { state: 'not-applied', reason } : { state: 'not-applied', reason, cleanup }
export const drift = (...differences: string[]): Recognition => ({ state: 'drift', differences })
export const rerun = (reason: string): Recognition => ({ state: 'rerun', reason })

/** One verdict for several parts of one statement (an ALTER TABLE with several actions). */
export function combine(parts: readonly Recognition[], what: string): Recognition {
  const drifted = parts.flatMap((part) => (part.state === 'drift' ? part.differences : []))
  if (drifted.length > 0) return drift(...drifted)
  if (parts.some((part) => part.state === 'rerun'))
    return rerun(`${what}: the catalog cannot tell every part`)
  if (parts.every((part) => part.state === 'applied'))
    return applied(parts.map((p) => (p as { reason: string }).reason).join('; '))
  if (parts.every((part) => part.state === 'not-applied')) return notApplied(`${what}: none of it is there`)
  // A statement commits whole: a part there and a part missing was done by someone else.
  return drift(`${what} is only partly there`)
}

/** `"schema"."name"` for SQL, quoting as PostgreSQL's quote_ident would. */
export function qualified(schema: string | undefined, name: string): string {
  const quote = (part: string) => `"${part.replaceAll('"', '""')}"`
  return schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`
}
