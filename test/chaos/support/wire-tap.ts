import type { EventEmitter } from 'node:events'
import { DsqlClient } from '../../../src/index.js'

/**
 * What became of one commit point on the wire: a COMMIT of a tagged transaction, or a tagged
 * autocommit write (its own commit). `ok` and a SQLSTATE are answers; `lost` means the connection
 * ended before the answer came.
 */
export interface CommitPoint {
  readonly tag: string
  answer: 'pending' | 'ok' | 'lost' | string
}

/** A commit point whose outcome the client cannot know: no answer, or DSQL's `XX000`. */
export function isAmbiguous(point: CommitPoint): boolean {
  return point.answer === 'lost' || point.answer === 'XX000'
}

/**
 * The SQL comment that tags a statement with one attempt of one operation. `a`: the statement is
 * an autocommit write, its own commit point; `t`: it runs inside a transaction, whose COMMIT is.
 */
export function tagSql(mode: 'a' | 't', tag: string, sql: string): string {
  return `/*chaos:${mode}:${tag}*/ ${sql}`
}

const TAG = /\/\*chaos:([at]):([^*]+)\*\//
const BEGIN = /^\s*begin\b/i
const COMMIT = /^\s*commit\b/i

/** The part of pg's Connection the tap listens to (the one pg documents for Submittables). */
interface PgConnection extends EventEmitter {
  query(text: string): void
  parse(query: { text: string }): void
}

/**
 * Records every commit point each connection sends, and what came back, as pg writes and reads
 * them: independent of pg-dsql, so the suite can tell a truly ambiguous commit from one the driver
 * only calls ambiguous. `TappedClient` (see `tappedClient`) is a DsqlClient subclass, the
 * documented way to give a pool its own client class.
 */
export class WireLog {
  readonly #points = new Map<string, CommitPoint[]>()
  readonly #onCommitPoint = new Set<(tag: string) => void>()
  readonly #onStatement = new Set<(tag: string) => void>()

  /** Every commit point sent for `tag`, in order. */
  pointsOf(tag: string): readonly CommitPoint[] {
    return this.#points.get(tag) ?? []
  }

  /** Resolves with the tag of the next commit point sent (before its answer comes). */
  nextCommitPoint(): Promise<string> {
    return new Promise((resolve) => this.#onCommitPoint.add(resolve))
  }

  /** Resolves with the tag of the next tagged statement sent. */
  nextStatement(): Promise<string> {
    return new Promise((resolve) => this.#onStatement.add(resolve))
  }

  /** Taps one client's connection. */
  watch(connection: PgConnection): void {
    let transactionTag: string | undefined
    let pending: (CommitPoint & { code?: string }) | undefined
    const open = (tag: string) => {
      pending = { tag, answer: 'pending' }
      const points = this.#points.get(tag) ?? []
      points.push(pending)
      this.#points.set(tag, points)
      settle(this.#onCommitPoint, tag)
    }
    const sent = (text: string) => {
      const tagged = TAG.exec(text)
      if (tagged !== null) {
        const [, mode, tag] = tagged as unknown as [string, 'a' | 't', string]
        settle(this.#onStatement, tag)
        if (mode === 'a') open(tag)
        else transactionTag = tag
      } else if (BEGIN.test(text)) {
        transactionTag = undefined
      } else if (COMMIT.test(text) && transactionTag !== undefined) {
        open(transactionTag)
        transactionTag = undefined
      }
    }
    const query = connection.query.bind(connection)
    const parse = connection.parse.bind(connection)
    connection.query = (text) => {
      sent(text)
      query(text)
    }
    connection.parse = (message) => {
      sent(message.text)
      parse(message)
    }
    connection.on('errorMessage', (message: { code?: string }) => {
      if (pending !== undefined) pending.code ??= message.code
    })
    connection.on('readyForQuery', () => {
      if (pending === undefined) return
      pending.answer = pending.code ?? 'ok'
      pending = undefined
    })
    connection.on('end', () => {
      if (pending === undefined) return
      pending.answer = pending.code ?? 'lost'
      pending = undefined
    })
  }
}

/** Resolves every waiter once. */
function settle(waiters: Set<(tag: string) => void>, tag: string): void {
  for (const resolve of waiters) resolve(tag)
  waiters.clear()
}

/** A DsqlClient class whose connections `log` taps; give it to a pool as `Client`. */
export function tappedClient(log: WireLog): typeof DsqlClient {
  return class TappedClient extends DsqlClient {
    constructor(...args: ConstructorParameters<typeof DsqlClient>) {
      super(...args)
      log.watch((this as unknown as { connection: PgConnection }).connection)
    }
  }
}
