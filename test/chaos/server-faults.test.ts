import { describe, expect, it } from 'vitest'
import { chaosFile } from './support/chaos-file.js'

/** DSQL's own failures in bursts: `XX000 server unavailable` on statements, and OCC conflicts. */
describe('chaos: server errors and conflicts in bursts', () => {
  const chaos = chaosFile('server-faults', { regions: ['us-east-1'] })

  it('keeps every invariant through an XX000 burst (one statement in five)', async () => {
    const row = await chaos.run({
      name: 'XX000 burst (server-unavailable, p = 0.2)',
      async start({ emulator }) {
        emulator.inject({ kind: 'server-unavailable', probability: 0.2 })
        return () => emulator.clearFaults()
      },
    })
    expect(row.violations).toEqual([])
  })

  it('keeps every invariant through an OCC storm (one commit in two conflicts)', async () => {
    const row = await chaos.run({
      name: 'OCC storm (occ, p = 0.5)',
      async start({ emulator }) {
        emulator.inject({ kind: 'occ', probability: 0.5 })
        return () => emulator.clearFaults()
      },
    })
    expect(row.violations).toEqual([])
  })
})
