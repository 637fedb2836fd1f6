import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { chaosFile } from './support/chaos-file.js'

/**
 * The preferred Region (us-east-1) isolated under load, at the moment a statement is in flight
 * or while a COMMIT is (commits pay a 30 ms inter-Region round trip, so one is held when the
 * Region goes), then healed: the load moves to us-east-2 and back, and every invariant holds.
 */
describe('chaos: a Region isolated, then healed', () => {
  const chaos = chaosFile('region-isolation', {
    latencyMs: { 'us-east-1': 2, 'us-east-2': 10 },
    interRegionRttMs: 30,
  })

  it.each([
    ['refuse', 'drop', 'mid-query'],
    ['refuse', 'drop', 'mid-COMMIT'],
    ['blackhole', 'drop', 'mid-query'],
    ['blackhole', 'drop', 'mid-COMMIT'],
    ['blackhole', 'error', 'mid-query'],
    ['blackhole', 'error', 'mid-COMMIT'],
  ] as const)(
    'keeps every invariant when us-east-1 goes (%s, sessions %s) %s',
    async (mode, existing, moment) => {
      const row = await chaos.run({
        name: `Region isolated: ${mode}, sessions ${existing === 'drop' ? 'dropped' : 'erroring'}, ${moment}`,
        async start({ emulator, wire }) {
          if (moment === 'mid-query') {
            await wire.nextStatement()
          } else {
            await wire.nextCommitPoint()
            // Inside the 30 ms the emulator holds the COMMIT for the inter-Region round trip.
            await sleep(10)
          }
          emulator.isolate('us-east-1', { mode, existing })
          return () => emulator.heal('us-east-1')
        },
      })
      expect(row.violations).toEqual([])
    },
  )
})
