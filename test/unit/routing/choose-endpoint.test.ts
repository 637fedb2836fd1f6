import { describe, expect, it } from 'vitest'
import type { ResolvedEndpoint } from '../../../src/config/index.js'
import { chooseEndpoint, EndpointHealth, type Preference, SWITCH_ROUNDS } from '../../../src/routing/index.js'

const endpoint = (region: string): ResolvedEndpoint => ({
  host: `abcdefghijklmnopqrstuvwxyz.dsql.${region}.on.aws`,
  address: '127.0.0.1',
  port: 5432,
  region,
})

function setup(latencies: (number | undefined)[], regions = ['us-east-1', 'us-east-2', 'us-west-2']) {
  const states = latencies.map((latency, index) => {
    const state = new EndpointHealth(endpoint(regions[index] as string))
    if (latency !== undefined) state.sampled(latency)
    return state
  })
  const preference: Preference = { current: undefined, challenger: undefined, rounds: 0, settled: false }
  const choose = (
    strategy: 'latency' | 'local-first' | 'ordered' = 'latency',
    round = false,
    now = 10_000,
    localRegion?: string,
  ) => chooseEndpoint({ states, strategy, localRegion, now, failbackAfterMs: 1500 }, preference, round)
  return { states, preference, choose }
}

describe('chooseEndpoint', () => {
  it('takes the first endpoint before anything is measured', () => {
    expect(setup([undefined, undefined]).choose()).toBe(0)
  })

  it('moves to the fastest endpoint at once after the first full probe round', () => {
    const { states, choose } = setup([undefined, undefined])
    expect(choose()).toBe(0)
    states[0]?.sampled(40)
    states[1]?.sampled(2)
    expect(choose('latency', true)).toBe(1)
  })

  it('moves preference only after a clearly faster endpoint wins several rounds in a row', () => {
    const { states, choose } = setup([10, 12])
    expect(choose('latency', true)).toBe(0)
    // 9 ms is faster but not clearly (not below 75% of 10 ms): no move, however often.
    ;(states[1] as EndpointHealth).latencyMs = 9
    for (let round = 0; round < 5; round++) expect(choose('latency', true)).toBe(0)
    ;(states[1] as EndpointHealth).latencyMs = 2
    for (let round = 1; round < SWITCH_ROUNDS; round++) expect(choose('latency', true)).toBe(0)
    expect(choose('latency', true)).toBe(1)
  })

  it('forgets a challenger that stops being clearly faster', () => {
    const { states, choose, preference } = setup([10, 10])
    expect(choose('latency', true)).toBe(0)
    ;(states[1] as EndpointHealth).latencyMs = 2
    expect(choose('latency', true)).toBe(0)
    expect(preference.rounds).toBe(1)
    ;(states[1] as EndpointHealth).latencyMs = 10
    expect(choose('latency', true)).toBe(0)
    expect(preference.rounds).toBe(0)
  })

  it('leaves an unhealthy endpoint at once for the best healthy one', () => {
    const { states, choose } = setup([2, 40, 80])
    expect(choose('latency', true)).toBe(0)
    states[0]?.failed(10_000, 'ECONNREFUSED')
    expect(choose()).toBe(1)
  })

  it('returns undefined when every endpoint is down', () => {
    const { states, choose } = setup([2, 40])
    states[0]?.failed(1, 'ECONNREFUSED')
    states[1]?.failed(1, 'timed out')
    expect(choose()).toBeUndefined()
  })

  it('keeps traffic off an endpoint that came back until it has been stable', () => {
    const { states, choose } = setup([2, 40])
    choose('latency', true)
    states[0]?.failed(10_000, 'ECONNREFUSED')
    expect(choose('latency', false, 10_000)).toBe(1)
    states[0]?.succeeded(11_000, 5000)
    states[0]?.sampled(2)
    expect(choose('latency', true, 11_500)).toBe(1)
    expect(choose('latency', true, 12_600)).toBe(0)
  })

  it('uses a recovered endpoint at once when nothing else is healthy', () => {
    const { states, choose } = setup([2, 40])
    states[0]?.failed(10_000, 'ECONNREFUSED')
    states[1]?.failed(10_000, 'ECONNREFUSED')
    states[1]?.succeeded(10_100, 5000)
    expect(choose('latency', false, 10_100)).toBe(1)
  })

  it('prefers the local Region with local-first while it is healthy, then latency', () => {
    const { states, choose } = setup([2, 40, 30])
    expect(choose('local-first', true, 10_000, 'us-east-2')).toBe(1)
    states[1]?.failed(10_000, 'ECONNRESET')
    expect(choose('local-first', false, 10_000, 'us-east-2')).toBe(0)
  })

  it('takes the first healthy endpoint in order with ordered, whatever the latency', () => {
    const { states, choose } = setup([80, 2, 1])
    expect(choose('ordered', true)).toBe(0)
    states[0]?.failed(10_000, 'ECONNREFUSED')
    expect(choose('ordered')).toBe(1)
  })
})
