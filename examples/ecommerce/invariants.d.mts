// Types of invariants.mjs, for the tests that import it.
import type { DsqlPool } from 'pg-dsql'

export interface ShopLine {
  readonly orderId: string
  readonly lineNo: number
  readonly sku: string
  readonly quantity: number
}

/** What the database holds, as readShop reads it. */
export interface ShopState {
  readonly stock: ReadonlyMap<string, number>
  readonly orders: readonly { readonly id: string; readonly region?: string }[]
  readonly lines: readonly ShopLine[]
}

/** An order as a shopper put it together. */
export interface LedgerOrder {
  readonly lines: readonly { readonly lineNo: number; readonly sku: string; readonly quantity: number }[]
}

export interface InvariantCheck {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

export interface InvariantResult {
  readonly ok: boolean
  readonly checks: readonly InvariantCheck[]
  readonly resolved: { readonly committed: readonly string[]; readonly absent: readonly string[] }
}

export function readShop(pool: DsqlPool): Promise<ShopState>

export function checkInvariants(input: {
  readonly initialStock: ReadonlyMap<string, number>
  readonly shop: ShopState
  readonly acknowledged: ReadonlyMap<string, LedgerOrder>
  readonly unknown: ReadonlyMap<string, LedgerOrder>
  readonly notPlaced: ReadonlyMap<string, unknown>
}): InvariantResult

export function exitCodeOf(result: InvariantResult): 0 | 1
