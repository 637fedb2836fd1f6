import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApplyEvent, apply, type Migration, MigrationPlanError, status } from '../../../src/index.js'
import { type MigrateTestDsql, startMigrateTestDsql } from '../../support/emulator.js'
import { journalLines, run } from './support/catalog-snapshot.js'

// What drizzle-kit generate writes: serial keys, a unique constraint, a foreign key added after
// its table, a plain index, statement breakpoints.
const DRIZZLE_SQL = `CREATE TABLE "users" (
  "id" serial PRIMARY KEY NOT NULL,
  "email" varchar(255) NOT NULL,
  CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "orders" ("id" serial PRIMARY KEY, "user_id" integer NOT NULL, "total" numeric(10,2));
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");
--> statement-breakpoint
CREATE INDEX "orders_user_idx" ON "orders" USING btree ("user_id");`

const ALTER_SQL = `ALTER TABLE orders ADD COLUMN note text DEFAULT 'none';
CREATE UNIQUE INDEX orders_note_idx ON orders (user_id, note);
ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);`

describe('apply with migrations given as SQL', () => {
  let dsql: MigrateTestDsql
  beforeAll(async () => {
    dsql = await startMigrateTestDsql()
  })
  afterAll(() => dsql.stop())

  it('refuses, before anything runs, a run with a migration whose transform reports errors, listing each with its place', async () => {
    const bad: Migration = {
      id: '0003_bad.sql',
      sql: 'CREATE TABLE tags (id int PRIMARY KEY, names text[]);\nCREATE TRIGGER t AFTER INSERT ON tags FOR EACH ROW EXECUTE FUNCTION f();',
    }
    const refused = await apply({
      pool: dsql.pool(),
      migrations: [{ id: '0001_init.sql', sql: DRIZZLE_SQL }, bad],
    }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(MigrationPlanError)
    expect(refused).toMatchObject({ code: 'ERR_DSQL_MIGRATE_PLAN', name: 'MigrationPlanError' })
    const problems = (refused as MigrationPlanError).problems
    expect(problems.map((p) => [p.migrationId, p.location.line])).toEqual([
      ['0003_bad.sql', 1],
      ['0003_bad.sql', 2],
    ])
    expect((refused as Error).message).toContain('0003_bad.sql:1:46: Column "names" is an array')
    expect((refused as Error).message).toContain('0003_bad.sql:2:1: ')
    expect(await run(dsql.pool(), "SELECT to_regclass('users') AS users")).toEqual([{ users: null }])
  })

  it("applies an ORM's SQL in DSQL's forms: transform's statements, each recorded, async ones waited for", async () => {
    const pool = dsql.pool()
    const migrations: Migration[] = [
      { id: '0001_init.sql', sql: DRIZZLE_SQL },
      { id: '0002_alter.sql', sql: ALTER_SQL },
    ]
    const events: ApplyEvent[] = []
    const result = await apply({ pool, migrations, onEvent: (e) => events.push(e) })
    // ADD CONSTRAINT folds into its CREATE TABLE; ADD COLUMN with a default is two statements;
    // the unique index is async; the CHECK on an existing table is NOT VALID, then validated.
    expect(result.migrations.map((m) => [m.id, m.statements])).toEqual([
      ['0001_init.sql', 3],
      ['0002_alter.sql', 5],
    ])
    expect(events.filter((e) => e.type === 'job.completed')).toHaveLength(3)
    expect(await journalLines(pool)).toHaveLength(8)
    expect(
      await run(
        pool,
        "SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'orders'::regclass ORDER BY conname",
      ),
    ).toEqual([
      { conname: 'orders_pkey', convalidated: true },
      { conname: 'orders_total_check', convalidated: true },
      { conname: 'orders_user_id_users_id_fk', convalidated: true },
    ])
    // Every statement transform printed is recognised in the catalog as applied.
    const report = await status({ pool, migrations })
    expect(report.drifted).toEqual([])
    expect(report.applied).toHaveLength(8)
  })
})
