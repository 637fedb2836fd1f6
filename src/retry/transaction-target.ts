/** The part of a pg client the transaction runner uses. */
export interface TransactionClient {
  query(
    text: string,
    values?: unknown[],
  ): Promise<{ command: string; rowCount: number | null; rows: unknown[] }>
  /** pg ≥ 8.21: `I` idle, `T` in a transaction, `E` in a failed transaction, null before connecting. */
  getTransactionStatus?(): string | null
}

/** A connection borrowed for one attempt. */
export interface Lease<C extends TransactionClient> {
  readonly client: C
  /** Gives the connection back; `destroy` closes it instead (it failed or its state is unknown). */
  release(destroy: boolean): void
}

/**
 * Where transactions get connections: a pool lends a fresh one per attempt, a client lends
 * itself. The runner knows pools and clients only through this.
 */
export interface TransactionTarget<C extends TransactionClient> {
  acquire(): Promise<Lease<C>>
  /** True when a lost connection can be replaced (a pool), false for a lone client. */
  readonly canReconnect: boolean
}
