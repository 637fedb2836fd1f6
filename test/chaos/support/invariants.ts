import { classifyError } from '../../../src/index.js'
import type { DatabaseTruth } from './chaos-tables.js'
import { codeOf } from './error-code.js'
import { isAmbiguous, type WireLog } from './wire-tap.js'
import { COUNTED_KINDS, type OpKind, type OpRecord } from './workload.js'

/** One broken invariant: which one, and the evidence. */
export interface Violation {
  readonly invariant: string
  readonly detail: string
}

/** Kinds whose ambiguous commit pg-dsql must report, never resolve: it has no way to. */
const UNRESOLVED_KINDS: ReadonlySet<OpKind> = new Set(['transfer', 'non-idempotent', 'autocommit'])
/** Kinds that must not be applied when every attempt failed with a definite error. */
const NON_IDEMPOTENT_KINDS: ReadonlySet<OpKind> = new Set([
  'transfer',
  'non-idempotent',
  'autocommit',
  'exactly-once',
])

function present(op: OpRecord, truth: DatabaseTruth): boolean {
  if (op.kind === 'transfer') return truth.transfers.has(op.id)
  if (op.kind === 'idempotent') return truth.kv.has(op.id)
  return (truth.ledger.get(op.id) ?? 0) > 0
}

/**
 * What the app was told against what the database holds and what the wire saw:
 * - every write the app saw succeed is in the database;
 * - no write that leaves a row per application was applied twice;
 * - every `TransactionOutcomeUnknownError` (08007) answers a commit point that truly had no
 *   answer (the connection ended first, or DSQL answered `XX000`);
 * - a write whose commit point truly had no answer, and that pg-dsql cannot settle (no
 *   `idempotent`, no `exactlyOnce`), is reported as 08007: never as a retryable error, never as
 *   a success after sending it again;
 * - a non-idempotent write whose every attempt failed with a definite error was not applied;
 * - the money balances: totals, and each account against its transfers, and every read's total.
 */
export function checkOutcomes(
  ops: readonly OpRecord[],
  wire: WireLog,
  truth: DatabaseTruth,
  unbalancedReads: readonly string[],
): Violation[] {
  const violations: Violation[] = []
  const add = (invariant: string, detail: string) => violations.push({ invariant, detail })
  for (const op of ops) {
    if (op.kind === 'read' || !op.done) continue
    const applied = present(op, truth)
    if (op.error === undefined && !applied) add('acked write is in the database', `${op.kind} ${op.id}`)
    const rows = truth.ledger.get(op.id) ?? 0
    if (COUNTED_KINDS.has(op.kind) && rows > 1) {
      add(
        'no write applied twice',
        `${op.kind} ${op.id}: ${rows} rows; the app saw ${op.attempts.map((a) => (a.error === undefined ? 'success' : codeOf(a.error))).join(', then ')}`,
      )
    }
    for (const attempt of op.attempts) {
      const points = wire.pointsOf(attempt.tag)
      const ambiguous = points.some(isAmbiguous)
      const unknown = attempt.error !== undefined && codeOf(attempt.error) === '08007'
      if (unknown && !ambiguous) {
        add(
          '08007 only for a truly ambiguous commit',
          `${op.kind} ${attempt.tag}: commit points on the wire: ${points.map((p) => p.answer).join(', ') || 'none'}; cause ${codeOf((attempt.error as Error).cause)}`,
        )
      }
      if (ambiguous && !unknown && UNRESOLVED_KINDS.has(op.kind)) {
        add(
          'an ambiguous write is reported as 08007',
          `${op.kind} ${attempt.tag}: commit points ${points.map((p) => p.answer).join(', ')}; the app got ${attempt.error === undefined ? 'success' : `${codeOf(attempt.error)} (classified ${classifyError(attempt.error)})`}; in the database: ${applied ? 'yes' : 'no'}`,
        )
      }
    }
    const everyAttemptDefinite =
      op.error !== undefined && op.attempts.every((a) => a.error !== undefined && codeOf(a.error) !== '08007')
    if (everyAttemptDefinite && applied && NON_IDEMPOTENT_KINDS.has(op.kind)) {
      add(
        'a write that failed definitely was not applied',
        `${op.kind} ${op.id}: the app got ${op.attempts.map((a) => codeOf(a.error)).join(', then ')}, yet it is in the database`,
      )
    }
  }
  for (const problem of truth.moneyProblems) add('the money balances', problem)
  for (const read of unbalancedReads) add('the money balances', read)
  return violations
}

/** The longest stretch, in ms, between `from` and `to` with no successful operation. */
export function longestGap(successes: readonly number[], from: number, to: number): number {
  let previous = from
  let longest = 0
  for (const at of successes) {
    if (at < from) continue
    if (at > to) break
    longest = Math.max(longest, at - previous)
    previous = at
  }
  return Math.max(longest, to - previous)
}
