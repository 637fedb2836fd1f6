import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { chaosFile } from './support/chaos-file.js'

/**
 * DSQL closes every connection at its age limit (60 minutes), with no error, and a session inside
 * a transaction when that transaction ends. Here that happens every second: through the
 * emulator's own age limit, and through its clock jumping past the limit and back.
 */
describe('chaos: connection age', () => {
  describe('with a 1-second age limit', () => {
    const chaos = chaosFile('connection-age-limit', { regions: ['us-east-1'], maxConnectionAgeSec: 1 })

    it('keeps every invariant while every connection ends at 1 s of age', async () => {
      const row = await chaos.run({
        name: 'Connection age expiring every 1 s (maxConnectionAgeSec 1)',
        // The limit is on for the whole run; the fault window is where the load is measured.
        start: async () => () => {},
      })
      expect(row.violations).toEqual([])
    })
  })

  describe('with the clock jumping past the limit', () => {
    const chaos = chaosFile('connection-age-clock', { regions: ['us-east-1'] })

    it('keeps every invariant while the clock jumps an hour ahead and back every 300 ms', async () => {
      const row = await chaos.run({
        name: 'Connection age expiring (clock +3700 s and back, every 300 ms)',
        async start({ emulator }) {
          let jumping = true
          const jumps = (async () => {
            while (jumping) {
              // Past the age limit (every open session retires), then back at once, so tokens
              // signed on the real clock stay valid for the connections that replace them.
              emulator.setClockOffset(3700)
              emulator.setClockOffset(0)
              await sleep(300)
            }
          })()
          return async () => {
            jumping = false
            await jumps
          }
        },
      })
      expect(row.violations).toEqual([])
    })
  })
})
