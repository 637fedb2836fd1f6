import { describe, expect, it } from 'vitest'
import type { DsqlEvent } from '../../../src/index.js'
import { DsqlClient, DsqlPool } from '../../../src/index.js'
import { DsqlContext } from '../../../src/pool/dsql-context.js'

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' }
const endpoints = [
  'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws@127.0.0.1:1',
  'zyxwvutsrqponmlkjihgfedcba.dsql.us-east-2.on.aws@127.0.0.1:2',
]

describe('DsqlContext', () => {
  it('shares a router and token cache per configuration and closes the router with the last lease', () => {
    const context = new DsqlContext()
    const first = context.acquire({ endpoints, credentials })
    const second = context.acquire({ endpoints, credentials: { ...credentials } })
    expect(second.runtime.router).toBe(first.runtime.router)
    expect(second.runtime.tokens).toBe(first.runtime.tokens)
    expect(context.liveStates).toEqual({ routers: 1, tokenCaches: 1, lingering: 0 })
    first.release()
    first.release() // a second release of the same lease counts once
    expect(context.liveStates).toEqual({ routers: 1, tokenCaches: 1, lingering: 0 })
    second.release()
    // The router is gone; the token cache lingers, passive, for its tokens' life.
    expect(context.liveStates).toEqual({ routers: 0, tokenCaches: 0, lingering: 1 })
    const third = context.acquire({ endpoints, credentials })
    expect(third.runtime.router).not.toBe(first.runtime.router)
    expect(third.runtime.tokens).toBe(first.runtime.tokens)
    expect(context.liveStates).toEqual({ routers: 1, tokenCaches: 1, lingering: 0 })
    third.release()
  })

  it('keeps identities apart and gives each lease its own listener', () => {
    const context = new DsqlContext()
    const heardA: DsqlEvent[] = []
    const heardB: DsqlEvent[] = []
    const a = context.acquire({ endpoints, credentials, onEvent: (event: DsqlEvent) => heardA.push(event) })
    const b = context.acquire({ endpoints, credentials, onEvent: (event: DsqlEvent) => heardB.push(event) })
    const other = context.acquire({ endpoints, credentials: { ...credentials, secretAccessKey: 'another' } })
    expect(b.runtime.router).toBe(a.runtime.router)
    expect(b.runtime.events).not.toBe(a.runtime.events)
    expect(other.runtime.tokens).not.toBe(a.runtime.tokens)
    // A shared router's events reach every pool that uses it; a pool's own events only its listener.
    a.runtime.router.failed(a.runtime.router.endpoints[0]!, { code: 'ECONNREFUSED' })
    a.runtime.events.emit({
      type: 'connection.lost',
      endpoint: 'x',
      region: 'us-east-1',
      error: { name: 'Error', code: undefined },
    })
    const types = (heard: DsqlEvent[]) =>
      heard.map((event) => event.type).filter((type) => type !== 'failover')
    expect(types(heardA)).toEqual(['endpoint.health', 'connection.lost'])
    expect(types(heardB)).toEqual(['endpoint.health'])
    const heardBefore = heardB.length
    b.release()
    a.runtime.router.failed(a.runtime.router.endpoints[1]!, { code: 'ECONNREFUSED' })
    expect(heardB).toHaveLength(heardBefore)
    expect(types(heardA)).toEqual(['endpoint.health', 'connection.lost', 'endpoint.health'])
    a.release()
    other.release()
  })

  it('takes a lease for a pool and a standalone client until they end, none for the clients a pool makes', async () => {
    const context = new DsqlContext()
    const pool = new DsqlPool({ endpoints, credentials }, context)
    const client = new DsqlClient({ endpoints, credentials }, context)
    expect(context.liveStates.routers).toBe(1)
    await client.end()
    expect(context.liveStates.routers).toBe(1)
    await pool.end()
    expect(context.liveStates).toEqual({ routers: 0, tokenCaches: 0, lingering: 1 })
  })

  it('leaves no shared state behind when the configuration is refused', () => {
    const context = new DsqlContext()
    expect(() => new DsqlPool({ endpoints, credentials, Client: class {} } as never, context)).toThrow(
      /Client must be DsqlClient/,
    )
    expect(() => new DsqlPool({ endpoints, credentials, retry: { maxAttempts: 0 } }, context)).toThrow(
      /retry.maxAttempts/,
    )
    expect(context.liveStates).toEqual({ routers: 0, tokenCaches: 0, lingering: 0 })
  })
})
