import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { DsqlClient } from '../../src/index.js'
import { optionsFor } from '../support/dsql-options.js'
import { chaosFile } from './support/chaos-file.js'

/**
 * DSQL's connection limits hit under load: too many connections (`53300`), and too many new
 * connections a second (`53400`), the latter also with the emulator's clock wound back in the
 * middle (its rate bucket must keep refilling).
 */
describe('chaos: connection limits', () => {
  describe('53300, too many connections', () => {
    const chaos = chaosFile('connection-limits-count', { regions: ['us-east-1'], maxConnections: 12 })

    it('keeps every invariant while another app holds all but two of the connections', async () => {
      const row = await chaos.run({
        name: '53300 storm (another app holds 10 of 12 connections)',
        async start({ emulator }) {
          // Every session goes; another app takes 10 places before the pool can take them back.
          emulator.killConnections()
          const hog = Array.from({ length: 10 }, () => new DsqlClient(optionsFor(emulator)))
          await Promise.allSettled(hog.map((client) => client.connect()))
          return async () => {
            await Promise.allSettled(hog.map((client) => client.end()))
          }
        },
      })
      expect(row.violations).toEqual([])
    })
  })

  describe('53400, connection rate exceeded', () => {
    const chaos = chaosFile('connection-limits-rate', {
      regions: ['us-east-1'],
      connectRate: { perSec: 20, burst: 20 },
    })

    /** Kills every session every 200 ms: the pool's 8 connections come back 40 times a second, twice the rate. */
    function reconnectStorm(windBackClock: boolean) {
      return async ({ emulator }: { emulator: typeof chaos.emulator }) => {
        if (windBackClock) emulator.setClockOffset(120)
        let storming = true
        const storm = (async () => {
          for (let round = 0; storming; round++) {
            emulator.killConnections()
            if (windBackClock && round === 2) emulator.setClockOffset(0)
            await sleep(200)
          }
        })()
        return async () => {
          storming = false
          await storm
          emulator.setClockOffset(0)
        }
      }
    }

    it('keeps every invariant through a reconnect storm past the connection rate', async () => {
      const row = await chaos.run({
        name: '53400 storm (reconnects at twice the rate)',
        start: reconnectStorm(false),
      })
      expect(row.violations).toEqual([])
    })

    it('keeps every invariant and recovers when the clock is wound back during the storm', async () => {
      const row = await chaos.run({
        name: '53400 storm, clock +120 s then back',
        start: reconnectStorm(true),
      })
      expect(row.violations).toEqual([])
    })
  })
})
