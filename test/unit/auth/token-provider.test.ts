import { describe, expect, it } from 'vitest'
import {
  REFUSAL_WINDOW_MS,
  type SignToken,
  signWithDsqlSigner,
  type TokenKey,
  TokenProvider,
} from '../../../src/auth/index.js'
import type { DsqlCredentials } from '../../../src/config/index.js'
import { type DsqlEvent, EventSink } from '../../../src/observability/index.js'

const KEY: TokenKey = {
  host: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws',
  region: 'us-east-1',
  action: 'DbConnectAdmin',
}
const OTHER: TokenKey = { ...KEY, action: 'DbConnect' }
const CREDENTIALS: DsqlCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
}

/** A clock and timer queue the test moves by hand. */
function manualTime(start = Date.UTC(2026, 10, 26, 12)) {
  let now = start
  const timers: { at: number; callback: () => void; live: boolean }[] = []
  return {
    now: () => now,
    schedule: (callback: () => void, delayMs: number) => {
      const timer = { at: now + delayMs, callback, live: true }
      timers.push(timer)
      return () => {
        timer.live = false
      }
    },
    advance(ms: number) {
      now += ms
      for (const timer of timers.filter((t) => t.live && t.at <= now)) {
        timer.live = false
        timer.callback()
      }
    },
    pending: () => timers.filter((t) => t.live).length,
  }
}

function setup(
  options: { ttlSec?: number; credentials?: () => Promise<DsqlCredentials>; sign?: SignToken } = {},
) {
  const time = manualTime()
  const events: DsqlEvent[] = []
  const signed: TokenKey[] = []
  const signing: Promise<unknown>[] = []
  const sign: SignToken = (key, credentials, expiresInSec) => {
    signed.push(key)
    const result = (options.sign ?? signWithDsqlSigner)(key, credentials, expiresInSec)
    signing.push(result.catch(() => undefined))
    return result
  }
  let credentialCalls = 0
  const provider = new TokenProvider({
    credentials: () => {
      credentialCalls++
      return options.credentials?.() ?? Promise.resolve(CREDENTIALS)
    },
    ttlSec: options.ttlSec ?? 900,
    events: new EventSink((event) => events.push(event)),
    sign,
    now: time.now,
    schedule: time.schedule,
  })
  /** Waits until every signing started so far has finished and its result is stored. */
  const settle = async () => {
    await new Promise((resolve) => setImmediate(resolve))
    await Promise.all(signing)
    await new Promise((resolve) => setImmediate(resolve))
  }
  return { provider, time, events, signed, settle, credentialCalls: () => credentialCalls }
}

describe('TokenProvider', () => {
  it('signs a real DSQL token for the endpoint host, Region and action', async () => {
    const { provider } = setup()
    const token = await provider.token(KEY)
    const url = new URL(`https://${token}`)
    expect(url.host).toBe(KEY.host)
    expect(url.searchParams.get('Action')).toBe('DbConnectAdmin')
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/us-east-1\/dsql\/aws4_request$/,
    )
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900')
  })

  it('hands out the cached token synchronously without signing or fetching credentials again', async () => {
    const { provider, signed, credentialCalls } = setup()
    const first = await provider.token(KEY)
    const handedOut = Array.from({ length: 1000 }, () => provider.token(KEY))
    expect(handedOut.every((token) => token === first)).toBe(true)
    expect(signed).toHaveLength(1)
    expect(credentialCalls()).toBe(1)
  })

  it('signs once for concurrent first requests (single flight)', async () => {
    const { provider, signed } = setup()
    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.token(KEY)))
    expect(new Set(tokens).size).toBe(1)
    expect(signed).toHaveLength(1)
  })

  it('keeps one token per action', async () => {
    const { provider, signed } = setup()
    const admin = await provider.token(KEY)
    const app = await provider.token(OTHER)
    expect(admin).not.toBe(app)
    expect(signed.map((key) => key.action)).toEqual(['DbConnectAdmin', 'DbConnect'])
  })

  it('refreshes a used token in the background at 80% of its life', async () => {
    const { provider, time, signed, events, settle } = setup({ ttlSec: 100 })
    const first = await provider.token(KEY)
    time.advance(79_000)
    expect(provider.token(KEY)).toBe(first)
    expect(signed).toHaveLength(1)
    time.advance(1_000)
    await settle()
    expect(signed).toHaveLength(2)
    expect(events.filter((event) => event.type === 'token.issued').map((event) => event.reason)).toEqual([
      'initial',
      'refresh',
    ])
  })

  it('lets an unused token lapse instead of refreshing it forever', async () => {
    const { provider, time, signed, settle } = setup({ ttlSec: 100 })
    provider.prefetch(KEY)
    await settle()
    time.advance(80_000)
    await settle()
    expect(signed).toHaveLength(1)
    expect(time.pending()).toBe(0)
    time.advance(100_000)
    await provider.token(KEY)
    expect(signed).toHaveLength(2)
  })

  it('refreshes on hand-out when the refresh timer was missed and still returns the valid token', async () => {
    const { provider, time, signed, settle } = setup({ ttlSec: 100 })
    const first = await provider.token(KEY)
    time.advance(85_000)
    expect(provider.token(KEY)).toBe(first)
    await settle()
    expect(signed).toHaveLength(2)
  })

  it('never keeps a token past the credentials expiration minus a margin', async () => {
    const start = Date.UTC(2026, 10, 26, 12)
    const expiring = { ...CREDENTIALS, sessionToken: 'session', expiration: new Date(start + 5 * 60_000) }
    const { provider, events } = setup({ credentials: async () => expiring })
    await provider.token(KEY)
    const issued = events.find((event) => event.type === 'token.issued')
    expect(issued).toMatchObject({ type: 'token.issued', expiresAt: start + 4 * 60_000 })
  })

  it('signs afresh after the server rejects the cached token, and only for that token', async () => {
    const { provider, signed, events } = setup()
    const first = await provider.token(KEY)
    provider.invalidate(KEY, 'some-older-token')
    expect(provider.token(KEY)).toBe(first)
    provider.invalidate(KEY, first)
    await provider.token(KEY)
    expect(signed).toHaveLength(2)
    expect(events.at(-1)).toMatchObject({ type: 'token.issued', reason: 'rejected' })
  })

  it('reports a signing failure as token.error without the message and lets the next call retry', async () => {
    let fail = true
    const { provider, events } = setup({
      credentials: async () => {
        if (fail) throw new Error('no credentials here')
        return CREDENTIALS
      },
    })
    await expect(provider.token(KEY)).rejects.toThrow('no credentials here')
    expect(events).toEqual([
      {
        type: 'token.error',
        endpoint: KEY.host,
        region: 'us-east-1',
        action: 'DbConnectAdmin',
        error: { name: 'Error', code: undefined },
      },
    ])
    fail = false
    await expect(provider.token(KEY)).resolves.toContain(KEY.host)
  })

  it('keeps serving the current token when a background refresh fails, and retries', async () => {
    let calls = 0
    const { provider, time, signed, settle, events } = setup({
      ttlSec: 100,
      credentials: async () => {
        calls++
        if (calls === 2) throw new Error('transient')
        return CREDENTIALS
      },
    })
    const first = await provider.token(KEY)
    time.advance(80_000)
    await settle()
    expect(signed).toHaveLength(1)
    expect(provider.token(KEY)).toBe(first)
    time.advance(5_000)
    await settle()
    expect(signed).toHaveLength(2)
    expect(events.filter((event) => event.type === 'token.error')).toHaveLength(1)
  })

  it('prefetches so the first connection finds a token ready', async () => {
    const { provider, signed, settle } = setup()
    provider.prefetch(KEY)
    await settle()
    await settle()
    expect(signed).toHaveLength(1)
    expect(typeof provider.token(KEY)).toBe('string')
  })

  it('starts loading the signer before it waits for credentials, so the two overlap', async () => {
    const order: string[] = []
    let release: (credentials: DsqlCredentials) => void = () => undefined
    const sign: SignToken = Object.assign(async () => 'token', { prepare: () => order.push('prepare') })
    const provider = new TokenProvider({
      credentials: () => {
        order.push('credentials')
        return new Promise<DsqlCredentials>((done) => {
          release = done
        })
      },
      ttlSec: 900,
      events: new EventSink(undefined),
      sign,
    })
    const token = provider.token(KEY)
    expect(order).toEqual(['prepare', 'credentials'])
    release(CREDENTIALS)
    await expect(token).resolves.toBe('token')
  })

  it('fails connects at once for a while when a token signed afresh is refused too', () => {
    const { provider, time } = setup()
    const refusal = new Error('access denied')
    expect(provider.refusalFor(KEY, 'app')).toBeUndefined()
    provider.refused(KEY, 'app', 'first-token', refusal)
    // One refusal may be a stale token: the next connect signs afresh and tries.
    expect(provider.refusalFor(KEY, 'app')).toBeUndefined()
    time.advance(100)
    provider.refused(KEY, 'app', 'second-token', refusal)
    expect(provider.refusalFor(KEY, 'app')).toBe(refusal)
    expect(provider.refusalFor(OTHER, 'app')).toBeUndefined()
    time.advance(REFUSAL_WINDOW_MS)
    expect(provider.refusalFor(KEY, 'app')).toBeUndefined()
    // Refusals far apart are each a fresh start.
    time.advance(REFUSAL_WINDOW_MS + 1)
    provider.refused(KEY, 'app', 'third-token', refusal)
    expect(provider.refusalFor(KEY, 'app')).toBeUndefined()
  })

  it('blocks only the role that was refused: another role signing with the same key still connects', () => {
    const { provider, time } = setup()
    const refusal = new Error('access denied')
    provider.refused(KEY, 'reporting', 'first-token', refusal)
    time.advance(100)
    provider.refused(KEY, 'reporting', 'second-token', refusal)
    expect(provider.refusalFor(KEY, 'reporting')).toBe(refusal)
    expect(provider.refusalFor(KEY, 'orders')).toBeUndefined()
    // A refusal of the other role is its own first, not a second for the key.
    provider.refused(KEY, 'orders', 'third-token', refusal)
    expect(provider.refusalFor(KEY, 'orders')).toBeUndefined()
  })

  it('stops refreshing after close', async () => {
    const { provider, time } = setup({ ttlSec: 100 })
    await provider.token(KEY)
    provider.close()
    expect(time.pending()).toBe(0)
  })
})
