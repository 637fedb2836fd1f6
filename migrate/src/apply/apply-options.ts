import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { PlannedStatement, TransformOptions } from '../transform/index.js'
import { ApplyOptionError } from './apply-errors.js'
import type { ApplyEvent } from './apply-events.js'
import type { RetryPolicy } from './backoff.js'
import type { MigratePool } from './migrate-pool.js'

/**
 * One migration. Give its SQL (`sql`, planned by `transform`) or statements already planned
 * (`statements`: `transform`'s output, or SQL strings that are each one DSQL-ready statement).
 */
export interface Migration {
  /** Unique and stable: the journal records progress under it. Usually the file or folder name. */
  readonly id: string
  readonly sql?: string
  readonly statements?: readonly (PlannedStatement | string)[]
}

export interface JournalOptions {
  /** @default 'public' */
  readonly schema?: string
  /** The journal table; the lock table is named after it with `_lock`. @default 'pg_dsql_migrate_journal' */
  readonly table?: string
}

export interface LockOptions {
  /** Wait while another runner holds the lock; `false` fails at once with `MigrationLockError` (`busy`). @default true */
  readonly wait?: boolean
  /** How long to wait for the lock before failing (`timeout`). @default 600000 (10 minutes) */
  readonly waitTimeoutMs?: number
  /**
   * How long the lock stays held without renewal. The runner renews it every third of this; a
   * runner that died holds it at most this long. @default 30000
   */
  readonly leaseMs?: number
  /** How often a waiting runner looks again. @default 1000 */
  readonly pollIntervalMs?: number
  /**
   * This runner's name in the lock and the journal. A runner may take back a lock held under its
   * own name at once, so give the same name only to the restart of a runner that died (e.g. the
   * same deployment's id), never to two live runners. @default `<host>:<pid>:<random>`
   */
  readonly holderId?: string
}

export interface ApplyRetryOptions {
  /** Attempts per statement or journal write, the first included. @default 10 */
  readonly maxAttempts?: number
  /** @default 20 */
  readonly baseDelayMs?: number
  /** @default 2000 */
  readonly maxDelayMs?: number
}

export interface JobOptions {
  /**
   * `wait-for-job`: `CALL sys.wait_for_job(id)`, then read the job's status from `sys.jobs`;
   * `poll`: read `sys.jobs` every `pollIntervalMs` (for jobs longer than one call may last).
   * A `wait-for-job` call that fails without the job failing falls back to polling.
   * @default 'wait-for-job'
   */
  readonly method?: 'wait-for-job' | 'poll'
  /** @default 1000 */
  readonly pollIntervalMs?: number
  /** Give up waiting (the job goes on; the next run waits for it again). @default 3600000 (1 hour) */
  readonly timeoutMs?: number
}

/** What `status` needs. */
export interface StatusOptions {
  /** pg-dsql's `DsqlPool`, a `pg.Pool`, or any pool of that shape. */
  readonly pool: MigratePool
  /** In the order they apply. */
  readonly migrations: readonly Migration[]
  readonly journal?: JournalOptions
  /** Passed to `transform` for migrations given as `sql`. */
  readonly transform?: TransformOptions
}

export interface ApplyOptions extends StatusOptions {
  readonly lock?: LockOptions
  readonly retry?: ApplyRetryOptions
  readonly jobs?: JobOptions
  /** Progress, one event at a time; its return value is ignored. */
  readonly onEvent?: (event: ApplyEvent) => void
}

/** @internal Options with every default filled in, checked and frozen. */
export interface ResolvedApplyOptions {
  readonly pool: MigratePool
  readonly migrations: readonly Migration[]
  readonly journal: { readonly schema: string; readonly table: string; readonly lockTable: string }
  readonly transform: TransformOptions
  readonly lock: Required<LockOptions>
  readonly retry: RetryPolicy
  readonly jobs: Required<JobOptions>
  readonly onEvent: ((event: ApplyEvent) => void) | undefined
}

const JOB_METHODS = ['wait-for-job', 'poll'] as const

function positive(option: string, value: number | undefined, fallback: number, min = 1): number {
  const resolved = value ?? fallback
  if (!Number.isInteger(resolved) || resolved < min) {
    throw new ApplyOptionError(
      `\`${option}\` must be an integer of at least ${min}; got ${String(value)}.`,
      option,
    )
  }
  return resolved
}

function identifier(option: string, value: string | undefined, fallback: string): string {
  const resolved = value ?? fallback
  // PostgreSQL truncates identifiers past 63 bytes; a truncated journal name would not be found again.
  if (typeof resolved !== 'string' || resolved.length === 0 || Buffer.byteLength(resolved) > 59) {
    throw new ApplyOptionError(
      `\`${option}\` must be a non-empty name of at most 59 bytes (the lock table adds "_lock"); got ${JSON.stringify(value)}.`,
      option,
    )
  }
  return resolved
}

function checkMigrations(migrations: unknown): readonly Migration[] {
  if (!Array.isArray(migrations)) {
    throw new ApplyOptionError(
      '`migrations` must be an array of { id, sql } or { id, statements }.',
      'migrations',
    )
  }
  const seen = new Set<string>()
  migrations.forEach((migration: Migration, at) => {
    const option = `migrations[${at}]`
    if (typeof migration?.id !== 'string' || migration.id.length === 0) {
      throw new ApplyOptionError(`\`${option}.id\` must be a non-empty string.`, `${option}.id`)
    }
    if (seen.has(migration.id)) {
      throw new ApplyOptionError(
        `\`${option}.id\` "${migration.id}" is given twice; ids must be unique.`,
        `${option}.id`,
      )
    }
    seen.add(migration.id)
    const hasSql = typeof migration.sql === 'string'
    const hasStatements = Array.isArray(migration.statements)
    if (hasSql === hasStatements) {
      throw new ApplyOptionError(
        `\`${option}\` ("${migration.id}") must have either \`sql\` (a string) or \`statements\` (an array), not ${hasSql ? 'both' : 'neither'}.`,
        option,
      )
    }
  })
  return Object.freeze([...migrations])
}

/** @internal */
export function resolveApplyOptions(options: ApplyOptions): ResolvedApplyOptions {
  if (typeof options?.pool?.connect !== 'function') {
    throw new ApplyOptionError(
      '`pool` must be a pg.Pool-shaped pool (with `connect()`), e.g. a DsqlPool.',
      'pool',
    )
  }
  const lock = options.lock ?? {}
  const retry = options.retry ?? {}
  const jobs = options.jobs ?? {}
  const method = jobs.method ?? 'wait-for-job'
  if (!JOB_METHODS.includes(method)) {
    throw new ApplyOptionError(
      `\`jobs.method\` must be one of ${JOB_METHODS.join(', ')}; got ${String(method)}.`,
      'jobs.method',
    )
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new ApplyOptionError('`onEvent` must be a function.', 'onEvent')
  }
  const leaseMs = positive('lock.leaseMs', lock.leaseMs, 30_000, 100)
  const table = identifier('journal.table', options.journal?.table, 'pg_dsql_migrate_journal')
  return Object.freeze({
    pool: options.pool,
    migrations: checkMigrations(options.migrations),
    journal: Object.freeze({
      schema: identifier('journal.schema', options.journal?.schema, 'public'),
      table,
      lockTable: `${table}_lock`,
    }),
    transform: Object.freeze({ ...(options.transform ?? {}) }),
    lock: Object.freeze({
      wait: lock.wait ?? true,
      waitTimeoutMs: positive('lock.waitTimeoutMs', lock.waitTimeoutMs, 600_000, 0),
      leaseMs,
      pollIntervalMs: positive('lock.pollIntervalMs', lock.pollIntervalMs, 1000),
      holderId: identifierOrDefault(lock.holderId),
    }),
    retry: Object.freeze({
      maxAttempts: positive('retry.maxAttempts', retry.maxAttempts, 10),
      baseDelayMs: positive('retry.baseDelayMs', retry.baseDelayMs, 20, 0),
      maxDelayMs: positive('retry.maxDelayMs', retry.maxDelayMs, 2000, 0),
    }),
    jobs: Object.freeze({
      method,
      pollIntervalMs: positive('jobs.pollIntervalMs', jobs.pollIntervalMs, 1000),
      timeoutMs: positive('jobs.timeoutMs', jobs.timeoutMs, 3_600_000),
    }),
    onEvent: options.onEvent,
  })
}

function identifierOrDefault(holderId: string | undefined): string {
  if (holderId === undefined) return defaultHolderId()
  if (typeof holderId !== 'string' || holderId.length === 0 || holderId.length > 200) {
    throw new ApplyOptionError(
      '`lock.holderId` must be a non-empty string of at most 200 characters.',
      'lock.holderId',
    )
  }
  return holderId
}

function defaultHolderId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
}
