import { describe, expect, it } from 'vitest'
import { chaosFile } from './support/chaos-file.js'
import type { Violation } from './support/invariants.js'
import { isAmbiguous } from './support/wire-tap.js'

/**
 * The emulator's `commit-ambiguous` fault on one commit in ten: the commit applies, then the
 * client gets `XX000` (reply `error`) or a closed connection (reply `drop`). Every such commit is
 * in the database, so each one the app was told is unknown must be there.
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
        check({ workload, wire }) {
          const violations: Violation[] = []
          // Each hit reached the client as a commit point with no answer or XX000; nothing else did.
          const ambiguous = workload.ops.flatMap((op) =>
            op.attempts.flatMap((attempt) => wire.pointsOf(attempt.tag).filter(isAmbiguous)),
          )
          if (hits === 0 || ambiguous.length !== hits) {
            violations.push({
              invariant: 'each ambiguous commit reaches the client as one',
              detail: `the emulator made ${hits}; the wire saw ${ambiguous.length}`,
            })
          }
          return violations
        },
      })
      expect(row.violations).toEqual([])
    },
  )
})
