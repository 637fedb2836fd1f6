import { describe, expect, it } from 'vitest'
import type { DsqlCredentials } from '../../src/index.js'
import { chaosFile } from './support/chaos-file.js'

/**
 * Tokens that expire, clocks that jump, and keys that rotate, with every connection ending at 1 s
 * of age so that new connections (and tokens) are needed all the time.
 */
describe('chaos: tokens and credentials', () => {
  const chaos = chaosFile('tokens-and-credentials', { regions: ['us-east-1'], maxConnectionAgeSec: 1 })

  it('keeps every invariant while tokens expire every 2 s (tokenTtlSec 12)', async () => {
    const row = await chaos.run({
      name: 'Tokens expiring (tokenTtlSec 12: 2 s of use each)',
      pool: { tokenTtlSec: 12 },
      start: async () => () => {},
    })
    expect(row.violations).toEqual([])
  })

  it.each([
    ['ahead', 1000],
    ['back', -1000],
  ] as const)(
    'keeps every invariant and backs off while the clock is %s by 1000 s',
    async (way, offsetSec) => {
      let refused = 0
      let windowSec = 0
      const row = await chaos.run({
        name: `Clock ${way} 1000 s (every new token refused), then back`,
        async start({ emulator }) {
          const startedAt = performance.now()
          const refusedBefore = emulator.stats().cluster.AuthFailures
          emulator.setClockOffset(offsetSec)
          // Sessions end all the time, so new connections (and tokens) are needed all the time.
          const kills = setInterval(() => emulator.killConnections(), 200)
          return () => {
            clearInterval(kills)
            emulator.setClockOffset(0)
            refused = emulator.stats().cluster.AuthFailures - refusedBefore
            windowSec = (performance.now() - startedAt) / 1000
          }
        },
        // A refused token is signed afresh at most once a second per endpoint (the issue asks for
        // one per few seconds), and the cluster sees about one refused connect per pooled connection
        // per second at most: a skewed clock must not drain the cluster's connection rate for all.
        check({ events }) {
          const resigned = events.filter((e) => e.type === 'token.issued' && e.reason === 'rejected').length
          const bound = Math.ceil(windowSec) + 1
          return resigned > bound || refused > 8 * bound
            ? [
                {
                  invariant: 'refused tokens back off',
                  detail: `${resigned} tokens re-signed and ${refused} connects refused in ${windowSec.toFixed(1)} s (bounds ${bound} and ${8 * bound})`,
                },
              ]
            : []
        },
      })
      expect(row.violations).toEqual([])
    },
  )

  it('keeps every invariant while the credentials rotate every 0.5 s', async () => {
    const { credentials, temporaryCredentials } = chaos.emulator
    const keys = [credentials, temporaryCredentials]
    let turn = 0
    // Two identities the emulator accepts, handed out in turn, each expiring in 70.5 s: pg-dsql
    // fetches credentials again when they are 5 minutes from expiry (so at every signing here),
    // and keeps a token no longer than its credentials' expiry less a minute, then less the 10 s
    // it keeps for a handshake: each token serves 0.5 s.
    const rotating = async (): Promise<DsqlCredentials> => {
      const next = keys[turn++ % keys.length] as DsqlCredentials & { sessionToken?: string }
      return {
        accessKeyId: next.accessKeyId,
        secretAccessKey: next.secretAccessKey,
        sessionToken: next.sessionToken,
        expiration: new Date(Date.now() + 70_500),
      }
    }
    const row = await chaos.run({
      name: 'Credentials rotating (two key pairs, every 0.5 s)',
      pool: { credentials: rotating },
      async start({ emulator }) {
        const kills = setInterval(() => emulator.killConnections(), 250)
        return () => clearInterval(kills)
      },
      check: () =>
        turn < 2
          ? [{ invariant: 'both key pairs sign tokens', detail: `the provider was called ${turn} times` }]
          : [],
    })
    expect(row.violations).toEqual([])
  })
})
