import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { capturedMigration, MigrationSourceError, type OrmMigration } from './orm-migration.js'

export { MigrationSourceError, type OrmMigration } from './orm-migration.js'

/** One entry of drizzle-kit's `meta/_journal.json`. */
export interface DrizzleJournalEntry {
  readonly idx: number
  readonly tag: string
  readonly when: number
  readonly breakpoints: boolean
}

/**
 * A drizzle-kit snapshot (`meta/NNNN_snapshot.json`, or what `generateDrizzleJson` returns). Kept
 * opaque: drizzle-kit validates it.
 */
export interface DrizzleSnapshot {
  readonly id: string
  readonly [field: string]: unknown
}

/** A drizzle instance `pushSchema` can read the live schema through (`drizzle({ client: pool })`). */
export interface DrizzleDatabase {
  execute(query: never): Promise<unknown>
}

/**
 * The migrations of a `drizzle-kit generate` folder, in its journal's order: one per entry of
 * `meta/_journal.json`, id = the entry's tag (`0000_init`), SQL = `<tag>.sql` as drizzle-kit wrote
 * it. Its `--> statement-breakpoint` lines are SQL comments and stay in; `transform` splits
 * statements with PostgreSQL's parser.
 *
 * @example
 *   await apply({ pool, migrations: await readDrizzleMigrations('./drizzle') })
 */
export async function readDrizzleMigrations(folder: string): Promise<OrmMigration[]> {
  const journalPath = join(folder, 'meta', '_journal.json')
  let journal: { dialect?: string; entries?: DrizzleJournalEntry[] }
  try {
    journal = JSON.parse(await readFile(journalPath, 'utf8')) as typeof journal
  } catch (error) {
    throw new MigrationSourceError(
      `${journalPath} could not be read (${(error as Error).message}). Pass the folder drizzle-kit generate ` +
        'writes to (its "out" setting), which holds meta/_journal.json.',
      { cause: error },
    )
  }
  if (journal.dialect !== 'postgresql') {
    throw new MigrationSourceError(
      `${journalPath} is for dialect "${journal.dialect}"; DSQL migrations need "postgresql".`,
    )
  }
  const entries = [...(journal.entries ?? [])].sort((a, b) => a.idx - b.idx)
  return Promise.all(
    entries.map(async (entry) => ({
      id: entry.tag,
      sql: await readFile(join(folder, `${entry.tag}.sql`), 'utf8'),
    })),
  )
}

export interface DrizzlePushOptions {
  /** The schema module's exports, as drizzle-kit reads them: `import * as schema from './schema'`. */
  readonly schema: Record<string, unknown>
  /**
   * What to compare the schema with:
   * - a drizzle instance over your pool: the live database, read the way `drizzle-kit push` reads it;
   * - a snapshot: the state it describes (the last `meta/NNNN_snapshot.json`, or `plan.snapshot`
   *   of the previous push);
   * - nothing: an empty database.
   */
  readonly from?: DrizzleDatabase | DrizzleSnapshot
  /** The migration's id; by default `drizzle-push-` and a hash of its SQL. */
  readonly id?: string
  /**
   * drizzle-kit's `tablesFilter` for a live comparison (globs; `!` excludes). pg-dsql-migrate's
   * journal tables (`pg_dsql_migrate_journal*`) are always excluded, or push would plan to drop them.
   */
  readonly tablesFilter?: readonly string[]
  /** drizzle-kit's `schemaFilter` for a live comparison. @default ['public'] */
  readonly schemaFilter?: readonly string[]
}

/** What a live comparison leaves out: the migrator's own journal and lock tables. */
const JOURNAL_TABLES = '!pg_dsql_migrate_journal*'

export interface DrizzlePushPlan {
  /** No migration when the database already matches the schema, else one. */
  readonly migrations: OrmMigration[]
  /** drizzle-kit's statements, in its order, before `transform`. */
  readonly statements: readonly string[]
  /** drizzle-kit's data-loss warnings (a live comparison only): read them before applying. */
  readonly warnings: readonly string[]
  readonly hasDataLoss: boolean
  /** The schema's snapshot: keep it to diff the next push from. */
  readonly snapshot: DrizzleSnapshot
}

/**
 * What `drizzle-kit push` would run, as a migration for `apply`: drizzle-kit's own statement list
 * (`drizzle-kit/api`), never run by drizzle-kit. `drizzle-kit push` itself runs them one by one
 * outside any journal and exits 0 after DSQL refuses one, leaving the schema half-changed.
 *
 * @example
 *   const plan = await planDrizzlePush({ schema, from: drizzle({ client: pool }) })
 *   await apply({ pool, migrations: plan.migrations })
 */
export async function planDrizzlePush(options: DrizzlePushOptions): Promise<DrizzlePushPlan> {
  const kit = await import('drizzle-kit/api')
  const snapshot = kit.generateDrizzleJson(options.schema) as unknown as DrizzleSnapshot
  const from = options.from
  let statements: string[]
  let warnings: string[] = []
  let hasDataLoss = false
  if (from !== undefined && 'execute' in from) {
    const tables = [...(options.tablesFilter ?? []), JOURNAL_TABLES]
    const pushed = await kit.pushSchema(
      options.schema,
      from as never,
      options.schemaFilter as string[],
      tables,
    )
    statements = pushed.statementsToExecute
    warnings = pushed.warnings
    hasDataLoss = pushed.hasDataLoss
  } else {
    statements = await kit.generateMigration((from ?? emptySnapshot()) as never, snapshot as never)
  }
  return {
    migrations: capturedMigration('drizzle-push', statements, options.id),
    statements,
    warnings,
    hasDataLoss,
    snapshot,
  }
}

/** drizzle-kit's own starting point for a first `generate`: nothing at all. */
function emptySnapshot(): DrizzleSnapshot {
  return {
    version: '7',
    dialect: 'postgresql',
    id: '00000000-0000-0000-0000-000000000000',
    prevId: '',
    tables: {},
    enums: {},
    schemas: {},
    policies: {},
    roles: {},
    sequences: {},
    views: {},
    _meta: { schemas: {}, tables: {}, columns: {} },
  }
}
