import type { ClientUnit, ErrorFields, Frame, TransactionStatus } from '../wire/index.js'

/** What one finished client unit did, as the session saw it. */
export interface UnitOutcome {
  /** The transaction status before the unit. */
  readonly before: TransactionStatus
  /** The status its ReadyForQuery reported; `undefined` after a `Flush`. */
  readonly after: TransactionStatus | undefined
  readonly tags: readonly string[]
  readonly error: ErrorFields | undefined
  /** Whether the unit ran a statement (a simple `Query` or an `Execute`). */
  readonly ranStatement: boolean
  /** Whether the transaction it ended (or ran in) wrote. */
  readonly wrote: boolean
}

/** The server's answer to one unit, as the pipeline sees it. */
export interface UnitReply {
  /** The ReadyForQuery status that ended it; `undefined` after a `Flush`. */
  readonly status: TransactionStatus | undefined
  /** Command tags, in order (`SELECT 1`, `COMMIT`, ...). */
  readonly tags: readonly string[]
  /** The first ErrorResponse, if any. */
  readonly error: ErrorFields | undefined
  /**
   * The raw messages, when the unit was forwarded with `{ buffer: true }`: they have not
   * reached the client, and the stage decides what does. Empty otherwise.
   */
  readonly messages: readonly Buffer[]
}

/** The reply to a statement the emulator ran on the backend for itself. */
export interface HiddenReply {
  readonly status: TransactionStatus
  readonly tags: readonly string[]
  readonly error: ErrorFields | undefined
  /** Rows as text, `null` for SQL NULL. */
  readonly rows: readonly (readonly (string | null)[])[]
}

export interface ForwardOptions {
  /** Hold the backend's reply instead of streaming it to the client. */
  readonly buffer?: boolean
  /** Replaces an ErrorResponse of the reply on its way (`undefined` keeps it). */
  readonly mapError?: (fields: ErrorFields) => ErrorFields | undefined
  /**
   * Rewrites the reply's messages on their way, streamed or buffered: each backend message
   * becomes the messages returned (none drops it). Called once per message, in order, so it may
   * keep state (which statement's result it is in). `mapError` applies to what it returns.
   */
  readonly editMessage?: (message: Frame) => readonly Frame[]
}

export interface FailOptions {
  /**
   * The failure ends an open transaction (a failed COMMIT): the backend transaction is rolled
   * back and the client sees idle. Otherwise an open transaction is left failed, as PostgreSQL
   * leaves it after an error.
   */
  readonly endsTransaction?: boolean
}

/**
 * What a stage can do with the session it runs in. Hidden statements and replies keep the
 * client's view and the backend's state in step, so a stage can answer a unit itself without
 * the two drifting apart.
 */
export interface SessionContext {
  readonly region: string
  readonly user: string
  readonly isAdmin: boolean
  /** The transaction status before the current unit. */
  readonly transactionStatus: TransactionStatus
  /**
   * An extended-protocol sequence ended by `Flush` waits for its `Sync` (a cursor reading rows
   * in batches): no hidden statement may run until it ends.
   */
  readonly inFlushSequence: boolean
  /** Asks the backend to cancel the statement it is running (a cancel request). */
  cancelBackend(): void
  /**
   * Whether the open transaction wrote: by its command tags, and when they show no write, by
   * asking the backend whether the transaction has an xid (row locks and writes inside
   * functions get one too). Run it at a unit boundary only.
   */
  transactionWrote(): Promise<boolean>
  /**
   * Runs SQL on this session's backend connection as a simple query. Its reply never reaches
   * the client. Use it at a unit boundary (before forwarding a unit that ends with `Sync` or
   * `Query`, or after its reply), never between a `Flush` and the next `Sync`.
   */
  hidden(sql: string): Promise<HiddenReply>
  /**
   * Answers the unit with an ErrorResponse as PostgreSQL would: followed by ReadyForQuery, or
   * after a `Flush` by skipping the client's messages up to its next `Sync`. An open backend
   * transaction is put in the failed state (or rolled back, see `FailOptions`) to match.
   */
  fail(unit: ClientUnit, fields: ErrorFields, options?: FailOptions): Promise<UnitReply>
  /** Answers the unit with these messages; the last must be a ReadyForQuery unless it ended with `Flush`. */
  reply(messages: readonly Buffer[]): UnitReply
  /** Sends messages to the client (e.g. a buffered reply, or part of one). */
  send(messages: readonly Buffer[]): void
  /** Closes the client connection at once, as a network failure would; no reply. */
  drop(): UnitReply
}

/** Forwards the unit to the rest of the pipeline, and in the end to the backend. */
export type NextStage = (unit: ClientUnit, options?: ForwardOptions) => Promise<UnitReply>

/**
 * One step of a session's pipeline. It sees each client unit before the backend does and can
 * forward it (`next`), answer it (`ctx.fail`, `ctx.reply`), run hidden statements first, or
 * forward it buffered and rewrite the reply. Stages run in order; one unit at a time per session.
 */
export type UnitStage = (unit: ClientUnit, ctx: SessionContext, next: NextStage) => Promise<UnitReply>
