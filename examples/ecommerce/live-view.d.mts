// Types of live-view.mjs, for the tests that import it.
export interface LiveWindow {
  readonly atSec: number
  readonly ordersPerSec: number
  readonly byRegion: Readonly<Record<string, number>>
  readonly p50Ms: number
  readonly p99Ms: number
}

export interface LiveTotals {
  readonly conflicts: number
  readonly retries: number
  readonly tokensIssued: number
  readonly failovers: number
  readonly failbacks: number
  readonly errors: number
  readonly placed: number
  readonly outOfStock: number
  readonly endpoints: readonly {
    readonly region: string
    readonly healthy: boolean
    readonly preferred: boolean
    readonly openConnections: number
  }[]
}

export interface LiveView {
  readonly tty: boolean
  readonly intervalMs: number
  event(event: { readonly atSec: number; readonly text: string }): void
  update(window: LiveWindow, totals: LiveTotals, status: string): void
  close(): void
}

export function plainLine(window: LiveWindow, totals: LiveTotals): string
export function eventLine(event: { readonly atSec: number; readonly text: string }): string
export function panelLines(window: LiveWindow, totals: LiveTotals, status: string): string[]
export function createLiveView(stream: { write(text: string): unknown; isTTY?: boolean }): LiveView
