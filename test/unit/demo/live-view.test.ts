import { describe, expect, it } from 'vitest'
import { createLiveView, type LiveTotals, type LiveWindow } from '../../../examples/ecommerce/live-view.mjs'

const ESC = '\u001b['

const window: LiveWindow = {
  atSec: 12,
  ordersPerSec: 21,
  byRegion: { 'us-east-1': 0, 'us-east-2': 63 },
  p50Ms: 331.4,
  p99Ms: 2643,
}
const totals: LiveTotals = {
  conflicts: 168,
  retries: 170,
  tokensIssued: 2,
  failovers: 1,
  failbacks: 0,
  errors: 0,
  placed: 600,
  outOfStock: 40,
  endpoints: [
    { region: 'us-east-1', healthy: false, preferred: false, openConnections: 0 },
    { region: 'us-east-2', healthy: true, preferred: true, openConnections: 16 },
  ],
}

function capture(isTTY: boolean) {
  const writes: string[] = []
  return { writes, view: createLiveView({ write: (text: string) => writes.push(text), isTTY }) }
}

describe('createLiveView', () => {
  it('writes one plain line per update and per event when the stream is not a TTY', () => {
    const { writes, view } = capture(false)
    view.update(window, totals, 'us-east-1 ISOLATED')
    view.event({ atSec: 13.8, text: 'us-east-1 healed' })
    view.close()
    expect(view.tty).toBe(false)
    expect(writes).toEqual([
      '[ 12.0s]  21.0 orders/s | us-east-1   0% us-east-2 100% | p50  331 ms p99 2643 ms | conflicts retried 168 | ' +
        'tokens signed 2 | failovers 1 | failbacks 0 | errors 0\n',
      '[ 13.8s] ** us-east-1 healed\n',
    ])
    expect(writes.join('')).not.toContain(ESC)
  })

  it('redraws its panel in place on a TTY, with events printed above it', () => {
    const { writes, view } = capture(true)
    view.update(window, totals, 'us-east-1 ISOLATED')
    view.event({ atSec: 13.8, text: 'us-east-1 healed' })
    view.update(window, totals, 'us-east-1 healed')
    expect(view.tty).toBe(true)
    expect(writes).toHaveLength(2)
    const [first, second] = writes as [string, string]
    const panelHeight = first.split('\n').length - 1
    expect(first).not.toContain(ESC)
    expect(first).toMatch(/us-east-2 +█{20} 100 % {2}healthy {2}preferred 16 conns/)
    expect(first).toMatch(/us-east-1 +░{20} {3}0 % {2}DOWN/)
    // Back up over the previous panel, clear, then the event, then the new panel.
    expect(second.startsWith(`${ESC}${panelHeight}F${ESC}J[ 13.8s] ** us-east-1 healed\n`)).toBe(true)
    expect(second).toContain('── pg-dsql global shop ── us-east-1 healed')
  })

  it('flushes events not yet drawn when it closes on a TTY', () => {
    const { writes, view } = capture(true)
    view.event({ atSec: 25.1, text: 'shoppers stopped after 25.1 s' })
    expect(writes).toEqual([])
    view.close()
    expect(writes).toEqual(['[ 25.1s] ** shoppers stopped after 25.1 s\n'])
  })
})
