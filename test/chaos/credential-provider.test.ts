import { describe, expect, it } from 'vitest'
import { type DsqlCredentials, DsqlCredentialsError } from '../../src/index.js'
import { chaosFile } from './support/chaos-file.js'
import { codeOf } from './support/error-code.js'
import type { FaultContext } from './support/fault-run.js'
import type { Violation } from './support/invariants.js'

/** What the failing provider puts in its own message: it must never reach the app's view. */
const PROVIDER_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYPROVIDERKEY'

/**
 * A credential provider that fails for a while, or for good. Its credentials are due for renewal
 * at every signing (they expire in 70.5 s: pg-dsql renews 5 minutes ahead, and each token serves
 * 0.5 s), and sessions end at 1 s of age, so the provider is asked all the time.
 */
describe('chaos: the credential provider failing', () => {
  // 12 new connections a second: the load's own reconnects (8 a second, at 1 s of age) fit;
  // connects made without credentials to sign with show as 53400 refusals.
  const chaos = chaosFile('credential-provider', {
    regions: ['us-east-1'],
    maxConnectionAgeSec: 1,
    connectRate: { perSec: 12, burst: 12 },
  })

  /**
   * Ends the failure, and checks that no connect of the pool reached the server once no token
   * could be had: a 53400 refusal of a connect begun after the first failed signing. Connects
   * begun earlier, with a token still cached (the load's own reconnects, a warm-up still under
   * way), are the load's; the cluster's RateExceeded would count them and other clients' too.
   */
  function rateKept(context: FaultContext, end: () => void) {
    let refused = 0
    return {
      end() {
        end()
        const { events, eventTimes } = context
        const firstFailure = events.findIndex((event) => event.type === 'token.error')
        if (firstFailure === -1) return
        const failedAt = eventTimes[firstFailure] as number
        refused = events.filter(
          (event, i) =>
            event.type === 'connect.error' &&
            event.error.code === '53400' &&
            (eventTimes[i] as number) - event.durationMs >= failedAt,
        ).length
      },
      check(): Violation[] {
        return refused > 0
          ? [
              {
                invariant: "a failing provider does not drain the cluster's connection rate",
                detail: `${refused} connects begun after the first failed signing refused with 53400`,
              },
            ]
          : []
      },
    }
  }

  /** A provider of the emulator's keys that throws while `failing()` says so, counting its calls. */
  function provider(failing: () => boolean) {
    const calls: number[] = []
    const credentials = async (): Promise<DsqlCredentials> => {
      calls.push(performance.now())
      if (failing()) throw new Error(`credential endpoint unreachable (key ${PROVIDER_SECRET})`)
      const { accessKeyId, secretAccessKey } = chaos.emulator.credentials
      return { accessKeyId, secretAccessKey, expiration: new Date(Date.now() + 70_500) }
    }
    return { credentials, calls }
  }

  it('keeps every invariant when the provider fails for a while, and recovers', async () => {
    let failing = false
    let rate: ReturnType<typeof rateKept> | undefined
    const { credentials } = provider(() => failing)
    const row = await chaos.run({
      name: 'Credential provider failing transiently',
      pool: { credentials },
      async start(context) {
        failing = true
        rate = rateKept(context, () => {
          failing = false
        })
        return () => rate?.end()
      },
      check: () => rate?.check() ?? [],
    })
    expect(row.violations).toEqual([])
  })

  it('keeps every invariant when the provider fails for good: a clear DsqlCredentialsError, few calls a second', async () => {
    let failing = false
    let failedAt = 0
    let endedAt = 0
    let rate: ReturnType<typeof rateKept> | undefined
    const { credentials, calls } = provider(() => failing)
    const row = await chaos.run({
      name: 'Credential provider failing permanently',
      pool: { credentials },
      recovers: false,
      async start(context) {
        failing = true
        failedAt = performance.now()
        rate = rateKept(context, () => {
          endedAt = performance.now()
        })
        return () => rate?.end()
      },
      check({ workload }) {
        const violations: Violation[] = [...(rate?.check() ?? [])]
        // Once no cached token is left, every operation fails with DsqlCredentialsError, which
        // names the provider and carries nothing of what it said. (A write in flight when its
        // session reached the age limit is an unknown outcome, judged with the other invariants.)
        const failures = workload.ops.filter(
          (op) => op.done && op.error !== undefined && codeOf(op.error) !== '08007',
        )
        const unclear = failures.filter(
          (op) =>
            !(op.error instanceof DsqlCredentialsError) ||
            !/credentials provider function/.test(op.error.message) ||
            op.error.message.includes(PROVIDER_SECRET),
        )
        if (failures.length === 0 || unclear.length > 0) {
          violations.push({
            invariant: 'a failed provider is a clear DsqlCredentialsError',
            detail: `${failures.length} failures, ${unclear.length} of them ${[...new Set(unclear.map((op) => codeOf(op.error)))].join(', ')}`,
          })
        }
        // However hard the app calls, the provider is asked a bounded number of times a second.
        const windowSec = (endedAt - failedAt) / 1000
        const asked = calls.filter((at) => at >= failedAt && at <= endedAt).length
        const bound = 2 * Math.ceil(windowSec) + 2
        if (asked > bound) {
          violations.push({
            invariant: 'a failing provider is asked a bounded number of times a second',
            detail: `${asked} calls in ${windowSec.toFixed(1)} s, for ${failures.length} failed operations (bound ${bound})`,
          })
        }
        return violations
      },
    })
    expect(row.violations).toEqual([])
  })
})
