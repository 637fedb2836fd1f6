import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { chaosFile } from './support/chaos-file.js'
import type { WireLog } from './support/wire-tap.js'

/**
 * Every session killed again and again while the load runs, each time the moment a statement (or
 * a COMMIT, held 30 ms for the inter-Region round trip) is in flight.
 */
describe('chaos: connections killed', () => {
  const chaos = chaosFile('killed-connections', { regions: ['us-east-1'], interRegionRttMs: 30 })

  /** Kills every session at each `moment`, at most every 100 ms, until the returned stop is called. */
  function killAt(moment: (wire: WireLog) => Promise<unknown>) {
    return async ({ emulator, wire }: { emulator: typeof chaos.emulator; wire: WireLog }) => {
      let killing = true
      const kills = (async () => {
        while (killing) {
          await moment(wire)
          if (!killing) return
          emulator.killConnections()
          await sleep(100)
        }
      })()
      return async () => {
        killing = false
        await kills
      }
    }
  }

  it('keeps every invariant when sessions are killed mid-query', async () => {
    const row = await chaos.run({
      name: 'Connections killed mid-query (every 100 ms)',
      start: killAt((wire) => wire.nextStatement()),
    })
    expect(row.violations).toEqual([])
  })

  it('keeps every invariant when sessions are killed mid-COMMIT', async () => {
    const row = await chaos.run({
      name: 'Connections killed mid-COMMIT (every 100 ms)',
      start: killAt(async (wire) => {
        await wire.nextCommitPoint()
        await sleep(10)
      }),
    })
    expect(row.violations).toEqual([])
  })
})
