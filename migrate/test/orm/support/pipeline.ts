import type { OrmMigration } from '../../../src/adapters/orm-migration.js'
import * as migrate from '../../../src/index.js'

/** What the ORM tests need of an `apply` event. */
export interface PipelineEvent {
  readonly type: string
}

/** A pool as `apply` takes it: pg's `Pool`, a DsqlPool, or the tests' killable wrapper. */
export interface PipelinePool {
  connect(): Promise<{
    query(text: string, values?: readonly unknown[]): Promise<{ rows: readonly Record<string, unknown>[] }>
    release(error?: Error | boolean): void
  }>
}

export interface PipelineOptions {
  readonly pool: PipelinePool
  readonly migrations: readonly OrmMigration[]
  readonly onEvent?: (event: PipelineEvent) => void
  readonly lock?: { readonly holderId?: string; readonly leaseMs?: number }
  readonly retry?: {
    readonly maxAttempts?: number
    readonly baseDelayMs?: number
    readonly maxDelayMs?: number
  }
}

/** What a migration's statements look like to `status`. */
export interface PipelineStatus {
  readonly migrations: readonly {
    readonly id: string
    readonly statements: readonly { readonly state: string }[]
  }[]
}

type Apply = (options: PipelineOptions) => Promise<unknown>
type Status = (
  options: Pick<PipelineOptions, 'pool' | 'migrations'> & { checkCatalog?: boolean },
) => Promise<PipelineStatus>
type Transform = (
  sql: string,
  options?: { source?: string },
) => {
  readonly statements: readonly { readonly sql: string; readonly async: boolean }[]
  readonly changes: readonly {
    readonly rule: string
    readonly severity: string
    readonly message: string
    readonly statement: string
  }[]
  readonly status: string
}

// transform, apply and status land from other work on this package (issue 13 items 1 and 3):
// the ORM tests read them off the package's door at run time, so they compile before those land
// and the end-to-end tests run as soon as they do.
const door = migrate as unknown as Record<string, unknown>
export const apply = door.apply as Apply | undefined
export const status = door.status as Status | undefined
export const transform = door.transform as Transform | undefined

/** Whether transform, apply and status are there to run the ORM migrations end to end. */
export const pipelineReady = apply !== undefined && status !== undefined && transform !== undefined

/**
 * Applies `migrations` through pg-dsql-migrate as the README's recipes do: `{ id, sql }` to
 * `apply`, which plans each through `transform` and runs it one statement per transaction. What
 * transform finds no DSQL form for is listed first, with the statements, to make a failure
 * readable.
 */
export async function applyThroughMigrator(options: PipelineOptions): Promise<void> {
  if (apply === undefined) throw new Error('pg-dsql-migrate exports no apply() yet')
  const errors = await transformErrors(options.migrations)
  if (errors.length > 0) throw new Error(`transform found what DSQL has no form for:\n${errors.join('\n')}`)
  await apply(options)
}

/** Each migration as `transform` plans it: `{ id, statements }`, the form `apply` and `status` take as is. */
export async function planThroughTransform(
  migrations: readonly OrmMigration[],
): Promise<{ id: string; statements: readonly unknown[] }[]> {
  const run = transform
  if (run === undefined) throw new Error('pg-dsql-migrate exports no transform() yet')
  return Promise.all(
    migrations.map(async (m) => ({ id: m.id, statements: (await run(m.sql, { source: m.id })).statements })),
  )
}

/** Every change transform reports as `error` for `migrations`: none means DSQL has a form for everything. */
export async function transformErrors(migrations: readonly OrmMigration[]): Promise<string[]> {
  const run = transform
  if (run === undefined) throw new Error('pg-dsql-migrate exports no transform() yet')
  const results = await Promise.all(
    migrations.map((migration) => run(migration.sql, { source: migration.id })),
  )
  return results.flatMap((result, at) =>
    result.changes
      .filter((change) => change.severity === 'error')
      .map((change) => `${migrations[at]?.id}: ${change.rule}: ${change.message}\n    ${change.statement}`),
  )
}
