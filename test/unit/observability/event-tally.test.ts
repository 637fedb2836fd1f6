import { describe, expect, it } from 'vitest'
import { EventSink, EventTally, type SampleName } from '../../../src/observability/index.js'

describe('EventTally', () => {
  it('counts every kind of event into the public counters', () => {
    const tally = new EventTally()
    tally.connected(12)
    tally.connectFailed(true)
    tally.connectFailed(false)
    tally.connectionLost()
    tally.connectionRecycled()
    tally.checkoutTimedOut()
    tally.occConflict('data')
    tally.occConflict('schema')
    tally.retried('transaction')
    tally.retried('autocommit')
    tally.exhausted('autocommit')
    tally.transactionEnded('committed', 2)
    tally.transactionEnded('unknown', 1)
    tally.statementOutcomeUnknown()
    expect(tally.counters([])).toEqual({
      connectionsOpened: 1,
      connectionsFailed: 2,
      authFailures: 1,
      connectionsLost: 1,
      connectionsRecycled: 1,
      checkoutTimeouts: 1,
      tokensIssued: 0,
      tokenErrors: 0,
      occConflicts: { data: 1, schema: 1 },
      retries: { transaction: 1, autocommit: 1 },
      retriesExhausted: { transaction: 0, autocommit: 1 },
      transactions: { committed: 1, rolledBack: 0, failed: 0, unknown: 1 },
      outcomeUnknown: { transaction: 1, autocommit: 1 },
      failovers: 0,
      failbacks: 0,
      endpointsDown: 0,
      endpointsUp: 0,
    })
    expect(tally.connectSec.snapshot()).toMatchObject({ count: 1, sum: 0.012 })
    expect(tally.transactionAttempts.snapshot()).toMatchObject({ count: 2, sum: 3 })
  })

  it('adds what shared tallies counted since their baseline, and nothing from before', () => {
    const own = new EventTally()
    const tokens = new EventTally()
    const router = new EventTally()
    tokens.tokenIssued()
    router.routeMoved('failover')
    const shared = [
      { tally: tokens, baseline: tokens.counts() },
      { tally: router, baseline: router.counts() },
    ]
    tokens.tokenIssued()
    tokens.tokenFailed()
    router.routeMoved('failback')
    router.endpointHealth(false)
    router.endpointHealth(true)
    expect(own.counters(shared)).toMatchObject({
      tokensIssued: 1,
      tokenErrors: 1,
      failovers: 0,
      failbacks: 1,
      endpointsDown: 1,
      endpointsUp: 1,
    })
  })

  it('hands observers each sample and the end, and survives an observer that throws', () => {
    const tally = new EventTally()
    const heard: [SampleName, number][] = []
    let ended = 0
    tally.observe({
      sample: () => {
        throw new Error('broken observer')
      },
      ended: () => {
        throw new Error('broken observer')
      },
    })
    const remove = tally.observe({ sample: (name, value) => heard.push([name, value]), ended: () => ended++ })
    tally.checkedOut(5)
    tally.released(250)
    tally.transactionEnded('failed', 3)
    tally.ended()
    remove()
    tally.checkedOut(1)
    expect(heard).toEqual([
      ['checkoutWaitSec', 0.005],
      ['useSec', 0.25],
      ['transactionAttempts', 3],
    ])
    expect(ended).toBe(1)
    expect(tally.checkoutWaitSec.snapshot().count).toBe(2)
  })

  it('traces attempts only through an observer that asks to', () => {
    const tally = new EventTally()
    expect(tally.tracesAttempts).toBe(false)
    expect(tally.startAttempt({ attempt: 1, readOnly: false })).toBeUndefined()
    const span = { run: <R>(run: () => Promise<R>) => run(), end: () => {} }
    tally.observe({ startAttempt: () => span })
    expect(tally.tracesAttempts).toBe(true)
    expect(tally.startAttempt({ attempt: 2, readOnly: true })).toBe(span)
  })

  it('is counted by every event sink whether or not anyone listens', () => {
    const sink = new EventSink()
    expect(sink.isActive).toBe(false)
    sink.tally.occConflict('data')
    expect(sink.tally.counters([]).occConflicts.data).toBe(1)
  })
})
