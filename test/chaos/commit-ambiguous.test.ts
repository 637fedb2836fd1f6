import { describe, expect, it } from 'vitest'
import { chaosFile } from './support/chaos-file.js'
import type { Violation } from './support/invariants.js'
import { isAmbiguous } from './support/wire-tap.js'

/**
 * The emulator's `commit-ambiguous` fault on one commit in ten: the commit applies, then the
 * client gets `XX000` (reply `error`) or a closed connection (reply `drop`). Every such commit is
 * in the database, so each write whose commit had no answer must be there.
 */
describe('chaos: ambiguous commits', () => {
  const chaos = chaosFile('commit-ambiguous', { regions: ['us-east-1'] })

  it.each(['error', 'drop'] as const)(
    'keeps every invariant when a commit applies and its reply is %s',
    async (reply) => {
      let hits = 0
      const row = await chaos.run({
        name: `commit-ambiguous, reply ${reply} (p = 0.1)`,
        async start({ emulator }) {
          const armed = emulator.inject({ kind: 'commit-ambiguous', reply, count: 100_000, probability: 0.1 })
          return () => {
            const left = emulator.faults().find((fault) => fault.id === armed.id)?.remaining ?? 0
            hits = 100_000 - left
            emulator.clearFaults()
          }
        },
        async check({ workload, wire, truth }) {
          const violations: Violation[] = []
          const add = (invariant: string, detail: string) => violations.push({ invariant, detail })
          // The fault fired, and the client saw no more ambiguous commits than it made (a hit may
          // also land on pg-dsql's own background write, which carries no tag).
          const ambiguous = workload.ops.flatMap((op) =>
            op.attempts.filter((attempt) => wire.pointsOf(attempt.tag).some(isAmbiguous)).map(() => op),
          )
          if (hits === 0 || ambiguous.length > hits) {
            add(
              'the fault makes ambiguous commits',
              `the emulator made ${hits}; the wire saw ${ambiguous.length}`,
            )
          }
          // Every commit this fault made ambiguous did commit.
          const { ledger, transfers, kv } = await truth()
          for (const op of ambiguous) {
            if (!ledger.has(op.id) && !transfers.has(op.id) && !kv.has(op.id)) {
              add('an ambiguous commit of this fault is in the database', `${op.kind} ${op.id}`)
            }
          }
          return violations
        },
      })
      expect(row.violations).toEqual([])
    },
  )
})
