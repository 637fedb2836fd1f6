import { describe, expect, it } from 'vitest'
import { FaultPlan } from '../../../src/control/fault-plan.js'

describe('FaultPlan', () => {
  it('hits one event by default, then disarms', () => {
    const plan = new FaultPlan()
    plan.add({ kind: 'occ' })
    expect(plan.take(['occ'], 'us-east-1')?.kind).toBe('occ')
    expect(plan.take(['occ'], 'us-east-1')).toBeUndefined()
  })

  it('hits count events', () => {
    const plan = new FaultPlan()
    plan.add({ kind: 'schema', count: 3 })
    const hits = Array.from({ length: 5 }, () => plan.take(['schema'], 'us-east-1') !== undefined)
    expect(hits).toEqual([true, true, true, false, false])
  })

  it('hits only its Region and kinds', () => {
    const plan = new FaultPlan()
    plan.add({ kind: 'server-unavailable', region: 'us-east-2' })
    expect(plan.take(['server-unavailable'], 'us-east-1')).toBeUndefined()
    expect(plan.take(['occ'], 'us-east-2')).toBeUndefined()
    expect(plan.take(['server-unavailable'], 'us-east-2')).toBeDefined()
  })

  it('rolls its probability with the injected randomness and stays armed without a count', () => {
    const rolls = [0.9, 0.1, 0.6, 0.3]
    const plan = new FaultPlan(() => rolls.shift()!)
    plan.add({ kind: 'drop-connection', probability: 0.5 })
    const hits = Array.from({ length: 4 }, () => plan.take(['drop-connection'], 'us-east-1') !== undefined)
    expect(hits).toEqual([false, true, false, true])
    expect(plan.list()).toEqual([expect.objectContaining({ remaining: null, probability: 0.5 })])
  })

  it('counts down only the hits when both count and probability are set', () => {
    const rolls = [0.9, 0.1, 0.1]
    const plan = new FaultPlan(() => rolls.shift()!)
    plan.add({ kind: 'occ', count: 2, probability: 0.5 })
    expect([1, 2, 3].map(() => plan.take(['occ'], 'r') !== undefined)).toEqual([false, true, true])
    expect(plan.size).toBe(0)
  })

  it('forgets every fault on clear', () => {
    const plan = new FaultPlan()
    plan.add({ kind: 'occ', count: 5 })
    plan.clear()
    expect(plan.take(['occ'], 'r')).toBeUndefined()
  })
})
