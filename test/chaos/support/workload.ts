import { setTimeout as sleep } from 'node:timers/promises'
import { classifyError, type DsqlPool } from '../../../src/index.js'
import { ACCOUNTS, type ChaosTables, OPENING_BALANCE } from './chaos-tables.js'
import { tagSql } from './wire-tap.js'

/** The operations of the mixed load. */
export const OP_KINDS = [
  'read',
  'transfer',
  'idempotent',
  'non-idempotent',
  'autocommit',
  'exactly-once',
] as const
export type OpKind = (typeof OP_KINDS)[number]

/** Writes that leave a row per application, so a write applied twice shows. */
export const COUNTED_KINDS: ReadonlySet<OpKind> = new Set(['non-idempotent', 'autocommit', 'exactly-once'])

/** One call the app made: its tag on the wire, and how it ended. */
export interface AttemptRecord {
  readonly tag: string
  readonly error: unknown
}

/** One operation, with the app's own retries of it (non-idempotent and autocommit writes only). */
export interface OpRecord {
  readonly id: string
  readonly kind: OpKind
  readonly attempts: AttemptRecord[]
  /** The last attempt's error; undefined when it succeeded. */
  error: unknown
  done: boolean
}

/** How an app reads an error: retry what `classifyError` calls retryable, as the README says. */
const RETRYABLE = new Set(['transient', 'rate-limited', 'occ-data', 'occ-schema'])
const APP_ATTEMPTS = 3
const FAILURE_PAUSE_MS = 10

/** The steady load under a fault; `stop()` lets every operation in flight finish. */
export interface Workload {
  readonly ops: readonly OpRecord[]
  /** performance.now() of every success, in order. */
  readonly successes: readonly number[]
  /** Reads that saw the accounts' total differ from what was put in. */
  readonly unbalancedReads: readonly string[]
  /** Resolves true once `count` operations succeed after `since` (performance.now()), false at `timeoutMs`. */
  successesAfter(since: number, count: number, timeoutMs: number): Promise<boolean>
  /** Stops starting operations; resolves true when every one in flight ended within `timeoutMs`. */
  stop(timeoutMs: number): Promise<boolean>
}

/**
 * Starts `workers` loops over `pool`, each cycling through every kind of operation (each worker
 * from its own place in the cycle, so all kinds run at once): read-only totals, money transfers
 * between accounts in `pool.transaction()`, idempotent upserts (`idempotent: true`),
 * non-idempotent inserts in a transaction, autocommit inserts, and `exactlyOnce` inserts. Op ids
 * start with `prefix`. Non-idempotent and autocommit writes are retried by the app itself, up to
 * three times, when `classifyError` says the error is retryable, as an app following the README
 * would: so an ambiguous write reported as retryable shows up as a write applied twice.
 */
export function startWorkload(pool: DsqlPool, tables: ChaosTables, prefix: string, workers = 8): Workload {
  const ops: OpRecord[] = []
  const successes: number[] = []
  const unbalancedReads: string[] = []
  const waiters = new Set<() => void>()
  let running = true
  let sequence = 0

  const succeeded = () => {
    successes.push(performance.now())
    for (const waiter of waiters) waiter()
  }

  const run = async (kind: OpKind, op: OpRecord, attempt: number): Promise<void> => {
    const tag = `${op.id}#${attempt}`
    switch (kind) {
      case 'read': {
        const { rows } = await pool.query<{ total: string }>(
          `SELECT sum(balance)::text AS total FROM ${tables.accounts}`,
        )
        const total = rows[0]?.total
        if (total !== String(ACCOUNTS * OPENING_BALANCE)) {
          unbalancedReads.push(`${op.id} read a total of ${total}, not ${ACCOUNTS * OPENING_BALANCE}`)
        }
        return
      }
      case 'transfer': {
        const from = Math.floor(Math.random() * ACCOUNTS)
        const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS
        const amount = 1 + Math.floor(Math.random() * 20)
        await pool.transaction(async (client) => {
          await client.query(
            tagSql(
              't',
              tag,
              `INSERT INTO ${tables.transfers} (op_id, from_id, to_id, amount) VALUES ($1, $2, $3, $4)`,
            ),
            [op.id, from, to, amount],
          )
          await client.query(`UPDATE ${tables.accounts} SET balance = balance - $1 WHERE id = $2`, [
            amount,
            from,
          ])
          await client.query(`UPDATE ${tables.accounts} SET balance = balance + $1 WHERE id = $2`, [
            amount,
            to,
          ])
        })
        return
      }
      case 'idempotent':
        await pool.transaction(
          (client) =>
            client.query(
              tagSql(
                't',
                tag,
                `INSERT INTO ${tables.kv} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
              ),
              [op.id, 'set'],
            ),
          { idempotent: true },
        )
        return
      case 'non-idempotent':
        await pool.transaction((client) =>
          client.query(tagSql('t', tag, `INSERT INTO ${tables.ledger} (op_id, kind) VALUES ($1, $2)`), [
            op.id,
            kind,
          ]),
        )
        return
      case 'autocommit':
        await pool.query(tagSql('a', tag, `INSERT INTO ${tables.ledger} (op_id, kind) VALUES ($1, $2)`), [
          op.id,
          kind,
        ])
        return
      case 'exactly-once':
        await pool.transaction(
          (client) =>
            client.query(tagSql('t', tag, `INSERT INTO ${tables.ledger} (op_id, kind) VALUES ($1, $2)`), [
              op.id,
              kind,
            ]),
          { exactlyOnce: true },
        )
        return
    }
  }

  const perform = async (kind: OpKind, worker: number): Promise<OpRecord> => {
    const op: OpRecord = {
      id: `${prefix}w${worker}n${sequence++}`,
      kind,
      attempts: [],
      error: undefined,
      done: false,
    }
    ops.push(op)
    const appRetries = kind === 'non-idempotent' || kind === 'autocommit'
    for (let attempt = 1; ; attempt++) {
      const tag = `${op.id}#${attempt}`
      try {
        await run(kind, op, attempt)
        op.attempts.push({ tag, error: undefined })
        op.error = undefined
        op.done = true
        succeeded()
        return op
      } catch (error) {
        op.attempts.push({ tag, error })
        op.error = error
        if (!appRetries || attempt >= APP_ATTEMPTS || !RETRYABLE.has(classifyError(error))) {
          op.done = true
          return op
        }
      }
    }
  }

  const loop = async (worker: number) => {
    for (let turn = worker; running; turn++) {
      const op = await perform(OP_KINDS[turn % OP_KINDS.length] as OpKind, worker)
      // Like an app, pause a moment after a failure: where pg-dsql fails fast (no credentials, a
      // refused token), a worker would otherwise spin on the CPU the whole machine shares.
      if (op.error !== undefined) await sleep(FAILURE_PAUSE_MS)
    }
  }
  const done = Promise.all(Array.from({ length: workers }, (_, worker) => loop(worker)))

  return {
    ops,
    successes,
    unbalancedReads,
    successesAfter(since, count, timeoutMs) {
      const reached = () => successes.filter((at) => at > since).length >= count
      if (reached()) return Promise.resolve(true)
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(check)
          resolve(false)
        }, timeoutMs)
        const check = () => {
          if (!reached()) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve(true)
        }
        waiters.add(check)
      })
    },
    async stop(timeoutMs) {
      running = false
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs)
      })
      const drained = await Promise.race([done.then(() => true as const), timedOut])
      clearTimeout(timer)
      return drained
    },
  }
}
