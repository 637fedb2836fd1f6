import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type ResolvedEndpoint, resolveRoutingOptions } from '../../../src/config/index.js'
import { NoHealthyEndpointError } from '../../../src/errors/index.js'
import { type DsqlEvent, EventSink } from '../../../src/observability/index.js'
import { type ProbeResult, type RouteChange, Router } from '../../../src/routing/index.js'

const near: ResolvedEndpoint = {
  host: 'nearnearnearnearnearnearne.dsql.us-east-1.on.aws',
  address: '127.0.0.1',
  port: 1,
  region: 'us-east-1',
}
const far: ResolvedEndpoint = {
  host: 'farfarfarfarfarfarfarfarfa.dsql.us-east-2.on.aws',
  address: '127.0.0.1',
  port: 2,
  region: 'us-east-2',
}

/** A router whose probes answer from a table the test edits; timers and the clock are fake. */
function setup(answers: Map<string, ProbeResult>, options: Record<string, unknown> = {}) {
  const events: DsqlEvent[] = []
  const changes: RouteChange[] = []
  const probes: string[] = []
  const router = new Router({
    endpoints: [far, near],
    routing: resolveRoutingOptions({ probeIntervalMs: 1000, failbackAfterMs: 500, ...options }),
    localRegion: 'us-east-1',
    events: new EventSink((event) => events.push(event)),
    probe: async (endpoint) => {
      probes.push(endpoint.region)
      return answers.get(endpoint.host) ?? { ok: false, reason: 'ECONNREFUSED' }
    },
  })
  router.subscribe((change) => changes.push(change))
  return { router, events, changes, probes }
}

const both = () =>
  new Map<string, ProbeResult>([
    [near.host, { ok: true, rttMs: 2 }],
    [far.host, { ok: true, rttMs: 40 }],
  ])

describe('Router', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  })

  afterEach(() => {
    vi.useRealTimers()
  })

  it('abandons the connects under way to an endpoint when it is found down, and only those', () => {
    const { router } = setup(both())
    const abandoned: string[] = []
    const settleNear = router.connecting(near, () => abandoned.push('near, first'))
    router.connecting(near, () => abandoned.push('near, second'))
    router.connecting(far, () => abandoned.push('far'))
    settleNear()
    router.failed(near, { code: 'ECONNREFUSED' })
    expect(abandoned).toEqual(['near, second'])
  })

  it('probes an endpoint whose connect is slower than usual, at once rather than at the connect timeout', async () => {
    const answers = both()
    const { router, probes } = setup(answers)
    answers.set(near.host, { ok: false, reason: 'timed out' })
    const abandoned: string[] = []
    router.connecting(near, () => abandoned.push('near'))
    await vi.advanceTimersByTimeAsync(249)
    expect(probes).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(probes).toEqual(['us-east-1'])
    expect(abandoned).toEqual(['near'])
  })

  it('probes every endpoint and routes to the nearest after the first round', async () => {
    const { router, probes } = setup(both())
    expect(router.choose(1000)).toBe(far)
    router.retain()
    await vi.advanceTimersByTimeAsync(1)
    expect(probes.sort()).toEqual(['us-east-1', 'us-east-1', 'us-east-2', 'us-east-2'])
    expect(router.choose(1000)).toBe(near)
    expect(router.snapshot()).toMatchObject({ strategy: 'latency', preferred: near.host })
    await vi.advanceTimersByTimeAsync(3000)
    // Four rounds; the first measures each endpoint twice (see the next test).
    expect(probes.length).toBe(10)
    router.close()
  })

  it('takes the faster of two round trips as an endpoint’s first measurement', async () => {
    // The near Region's first answer comes late (a busy machine); its second, and every later
    // one, on time. One sample would route to the far Region for the three rounds hysteresis needs.
    const answers = both()
    const nearAnswers = [60, 2]
    const { router } = setup(answers)
    const probe = answers.get.bind(answers)
    answers.get = (host: string) =>
      host === near.host && nearAnswers.length > 0
        ? { ok: true, rttMs: nearAnswers.shift() as number }
        : probe(host)
    router.retain()
    await vi.advanceTimersByTimeAsync(1)
    expect(router.choose(1000)).toBe(near)
    expect(router.snapshot().endpoints.find((e) => e.host === near.host)?.latencyMs).toBe(2)
    router.close()
  })

  it('fails over at once when a connect fails and tells pools to move', async () => {
    const { router, events, changes } = setup(both())
    router.retain()
    await vi.advanceTimersByTimeAsync(1)
    expect(router.choose(1000)).toBe(near)
    changes.length = 0
    router.failed(near, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    expect(router.choose(1000)).toBe(far)
    expect(events.map((e) => e.type)).toEqual(['endpoint.health', 'failover'])
    expect(events[1]).toMatchObject({
      type: 'failover',
      from: near.host,
      to: far.host,
      fromRegion: 'us-east-1',
      toRegion: 'us-east-2',
    })
    expect(changes).toEqual([
      { type: 'unhealthy', endpoint: near },
      { type: 'preferred', endpoint: far, reason: 'failover' },
    ])
    expect(router.snapshot().endpoints.find((e) => e.host === near.host)).toMatchObject({
      healthy: false,
      lastError: 'ECONNREFUSED',
    })
    router.close()
  })

  it('names a failure by the error catalog reason, and a failed probe by its own words', async () => {
    const answers = both()
    const { router } = setup(answers)
    router.retain()
    await vi.advanceTimersByTimeAsync(1)
    router.failed(near, Object.assign(new Error('server unavailable'), { code: 'XX000' }))
    answers.set(far.host, { ok: false, reason: 'connection closed' })
    router.suspect(far)
    await vi.advanceTimersByTimeAsync(1)
    const lastErrors = router.snapshot().endpoints.map((e) => [e.host, e.lastError])
    expect(lastErrors).toEqual([
      [far.host, 'connection closed'],
      [near.host, 'XX000 server unavailable'],
    ])
    router.close()
  })

  it('checks a suspect endpoint with a probe before marking it down', async () => {
    const answers = both()
    const { router, events } = setup(answers)
    router.retain()
    await vi.advanceTimersByTimeAsync(1)
    router.suspect(near)
    await vi.advanceTimersByTimeAsync(1)
    expect(router.choose(1000)).toBe(near)
    answers.set(near.host, { ok: false, reason: 'timed out' })
    router.suspect(near)
    await vi.advanceTimersByTimeAsync(1)
    expect(router.choose(1000)).toBe(far)
    expect(events.find((e) => e.type === 'endpoint.health')).toMatchObject({
      healthy: false,
      endpoint: near.host,
    })
    router.close()
  })

  it('probes a down endpoint with backoff and fails back after it stayed healthy', async () => {
    const answers = both()
    answers.set(near.host, { ok: false, reason: 'ECONNREFUSED' })
    const { router, events, probes } = setup(answers)
    router.retain()
    await vi.advanceTimersByTimeAsync(1)
    expect(router.choose(1000)).toBe(far)
    await vi.advanceTimersByTimeAsync(2000)
    // Down probes after 250, 500 and 1000 ms (plus the first): backing off, not every tick.
    expect(probes.filter((region) => region === 'us-east-1')).toHaveLength(4)
    answers.set(near.host, { ok: true, rttMs: 2 })
    // The next down probe comes within 2 s; failback follows 500 ms of health.
    await vi.advanceTimersByTimeAsync(2600)
    expect(router.snapshot().endpoints.find((e) => e.host === near.host)?.healthy).toBe(true)
    const recoveredAt = events.find((e) => e.type === 'endpoint.health' && e.healthy)
    expect(recoveredAt).toBeDefined()
    expect(router.choose(1000)).toBe(near)
    expect(events.some((e) => e.type === 'failback' && e.to === near.host)).toBe(true)
    router.close()
  })

  it('keeps traffic away from an endpoint that flaps', async () => {
    const answers = both()
    const { router, events } = setup(answers, { failbackAfterMs: 1500 })
    router.retain()
    await vi.advanceTimersByTimeAsync(1)
    for (let flap = 0; flap < 5; flap++) {
      router.failed(near, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
      await vi.advanceTimersByTimeAsync(1000)
      expect(router.choose(1000)).toBe(far)
    }
    expect(events.filter((e) => e.type === 'failback')).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(3000)
    expect(router.choose(1000)).toBe(near)
    router.close()
  })

  it('waits for an endpoint to come back, then throws NoHealthyEndpointError naming each last error', async () => {
    const { router } = setup(new Map())
    router.failed(near, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
    router.failed(far, new Error('timeout expired'))
    const waiting = Promise.resolve(router.choose(100)).catch((caught: unknown) => caught)
    await vi.advanceTimersByTimeAsync(100)
    const error = await waiting
    expect(error).toBeInstanceOf(NoHealthyEndpointError)
    expect(error).toMatchObject({ code: '08001' })
    const message = (error as Error).message
    expect(message).toContain(`${near.host} (us-east-1) ECONNREFUSED`)
    expect(message).toContain(`${far.host} (us-east-2) timed out`)
    router.close()
  })

  it('hands out an endpoint as soon as one recovers while callers wait', async () => {
    const answers = new Map<string, ProbeResult>()
    const { router } = setup(answers)
    router.failed(near, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
    router.failed(far, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))
    const waiting = router.choose(5000)
    expect(waiting).toBeInstanceOf(Promise)
    answers.set(far.host, { ok: true, rttMs: 40 })
    await vi.advanceTimersByTimeAsync(300)
    await expect(waiting).resolves.toBe(far)
    router.close()
  })

  it('stops probing when no pool uses it', async () => {
    const { router, probes } = setup(both())
    router.retain()
    await vi.advanceTimersByTimeAsync(1)
    router.release()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(probes.length).toBeLessThanOrEqual(6)
    const before = probes.length
    await vi.advanceTimersByTimeAsync(10_000)
    expect(probes.length).toBe(before)
    router.close()
  })

  it('never probes a single endpoint and always returns it', async () => {
    const probes: string[] = []
    const router = new Router({
      endpoints: [near],
      routing: resolveRoutingOptions(undefined),
      localRegion: undefined,
      events: new EventSink(undefined),
      probe: async (endpoint) => {
        probes.push(endpoint.host)
        return { ok: true, rttMs: 1 }
      },
    })
    router.retain()
    router.failed(near, new Error('Connection terminated unexpectedly'))
    expect(router.choose(10)).toBe(near)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(probes).toEqual([])
    router.close()
  })
})
