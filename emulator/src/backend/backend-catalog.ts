import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'

/** Any two emulators bootstrapping one backend take this advisory lock in turn. */
const BOOTSTRAP_LOCK = 7_367_011_520

/**
 * The emulator's own objects on the backend. `dsql_emulator` is private to the backend
 * superuser: a random secret from which every role's backend password derives (so emulators
 * sharing a backend agree on them), and the IAM-to-role mappings. `sys.iam_pg_role_mappings`
 * shows the mappings as DSQL does. `admin` exists as a non-superuser that can create roles,
 * like DSQL's admin. Statements are idempotent, and the advisory lock serializes emulators.
 */
const BOOTSTRAP_SQL = [
  'CREATE SCHEMA IF NOT EXISTS dsql_emulator',
  'REVOKE ALL ON SCHEMA dsql_emulator FROM PUBLIC',
  'CREATE TABLE IF NOT EXISTS dsql_emulator.secret (id int PRIMARY KEY CHECK (id = 1), value text NOT NULL)',
  `CREATE TABLE IF NOT EXISTS dsql_emulator.iam_role_mappings (
     iam_oid bigint GENERATED ALWAYS AS IDENTITY,
     arn text NOT NULL,
     pg_role_oid oid NOT NULL,
     grantor_pg_role_oid oid NOT NULL,
     PRIMARY KEY (arn, pg_role_oid))`,
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'admin') THEN CREATE ROLE admin; END IF;
     EXECUTE format('GRANT CREATE, CONNECT ON DATABASE %I TO admin', current_database());
   END $$`,
  'ALTER ROLE admin WITH LOGIN CREATEROLE NOSUPERUSER',
  'GRANT ALL ON SCHEMA public TO admin WITH GRANT OPTION',
  'CREATE SCHEMA IF NOT EXISTS sys',
  'GRANT USAGE ON SCHEMA sys TO PUBLIC',
  `CREATE OR REPLACE VIEW sys.iam_pg_role_mappings AS
     SELECT m.iam_oid, m.arn, m.pg_role_oid, r.rolname AS pg_role_name,
            m.grantor_pg_role_oid, g.rolname AS grantor_pg_role_name
     FROM dsql_emulator.iam_role_mappings m
     JOIN pg_catalog.pg_roles r ON r.oid = m.pg_role_oid
     LEFT JOIN pg_catalog.pg_roles g ON g.oid = m.grantor_pg_role_oid`,
  'GRANT SELECT ON sys.iam_pg_role_mappings TO PUBLIC',
  // AWS IAM GRANT / REVOKE run as these functions on the client's own backend session, so they
  // take part in its transaction. SECURITY DEFINER lets admin change mappings it cannot read.
  `CREATE OR REPLACE FUNCTION dsql_emulator.iam_grant(role_name text, principal text, granting boolean)
   RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
   DECLARE
     target pg_roles%ROWTYPE;
   BEGIN
     IF session_user <> 'admin' THEN
       RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format('permission denied to grant IAM trust with role %s', role_name);
     END IF;
     IF principal !~ '^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+$' THEN
       RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'IAM role must look like an IAM ARN';
     END IF;
     SELECT * INTO target FROM pg_roles WHERE rolname = role_name;
     IF NOT FOUND THEN
       RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = format('Role %s does not exist', role_name);
     END IF;
     IF role_name = 'admin' THEN
       RAISE EXCEPTION USING ERRCODE = '0A000', MESSAGE = format('Role %s not supported', role_name);
     END IF;
     IF NOT granting THEN
       DELETE FROM dsql_emulator.iam_role_mappings WHERE arn = principal AND pg_role_oid = target.oid;
       RETURN;
     END IF;
     IF NOT target.rolcanlogin THEN
       RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = format('role %s must have the LOGIN attribute', role_name);
     END IF;
     INSERT INTO dsql_emulator.iam_role_mappings (arn, pg_role_oid, grantor_pg_role_oid)
       VALUES (principal, target.oid, (SELECT oid FROM pg_roles WHERE rolname = session_user))
       ON CONFLICT DO NOTHING;
     EXECUTE format('ALTER ROLE %I PASSWORD %L', role_name,
       md5((SELECT value FROM dsql_emulator.secret) || ':' || role_name));
   END $$`,
  'REVOKE ALL ON FUNCTION dsql_emulator.iam_grant(text, text, boolean) FROM PUBLIC',
  'GRANT USAGE ON SCHEMA dsql_emulator TO admin',
  // CREATE INDEX ASYNC jobs. The emulator builds the index at once, so a job is done when it
  // is recorded; sys.wait_for_job only checks that the job exists.
  `CREATE TABLE IF NOT EXISTS dsql_emulator.jobs (
     job_id text PRIMARY KEY, status text NOT NULL, details text, job_type text NOT NULL,
     class_id oid, object_id oid, object_name text,
     start_time timestamptz NOT NULL DEFAULT now(), update_time timestamptz NOT NULL DEFAULT now())`,
  `CREATE OR REPLACE FUNCTION dsql_emulator.record_job(id text, index_oid oid)
   RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
   BEGIN
     INSERT INTO dsql_emulator.jobs (job_id, status, job_type, class_id, object_id, object_name)
     VALUES (id, 'completed', 'INDEX_BUILD', 'pg_catalog.pg_class'::regclass, index_oid,
             (SELECT relname FROM pg_class WHERE oid = index_oid));
   END $$`,
  'GRANT USAGE ON SCHEMA dsql_emulator TO PUBLIC',
  'GRANT EXECUTE ON FUNCTION dsql_emulator.record_job(text, oid) TO PUBLIC',
  `CREATE OR REPLACE VIEW sys.jobs AS
     SELECT job_id, status, details, job_type, class_id, object_id, object_name, start_time, update_time
     FROM dsql_emulator.jobs`,
  'GRANT SELECT ON sys.jobs TO PUBLIC',
  `CREATE OR REPLACE PROCEDURE sys.wait_for_job(job_id text)
   LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
   BEGIN
     IF NOT EXISTS (SELECT 1 FROM dsql_emulator.jobs j WHERE j.job_id = wait_for_job.job_id) THEN
       RAISE EXCEPTION USING ERRCODE = '42704', MESSAGE = format('job %s does not exist', job_id);
     END IF;
   END $$`,
  'GRANT EXECUTE ON PROCEDURE sys.wait_for_job(text) TO PUBLIC',
  'GRANT EXECUTE ON FUNCTION dsql_emulator.iam_grant(text, text, boolean) TO admin',
]

const BOOTSTRAP_HASH = createHash('sha256').update(BOOTSTRAP_SQL.join('\n')).digest('hex')

/** Why a role may not log in, as the HINT of the `08006` FATAL. */
export type RoleVerdict = { readonly ok: true } | { readonly ok: false; readonly hint: string }

/**
 * The emulator's view of the backend's roles: derived backend passwords and IAM mappings.
 * Backend passwords never leave the emulator.
 */
export class BackendCatalog {
  readonly #pool: pg.Pool
  readonly #secret: string

  private constructor(pool: pg.Pool, secret: string) {
    this.#pool = pool
    this.#secret = secret
  }

  /** Creates or updates the emulator's objects on the backend, safely under concurrency. */
  static bootstrap(pool: pg.Pool): Promise<BackendCatalog> {
    return retryRoleRace(() => BackendCatalog.#bootstrapOnce(pool))
  }

  static async #bootstrapOnce(pool: pg.Pool): Promise<BackendCatalog> {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      await client.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK])
      // Replacing the objects takes locks that sessions using them would wait for (and the
      // emulator's short lock_timeout would fail): skip it when this version already ran.
      const { rows: found } = await client.query<{ exists: boolean }>(
        `SELECT to_regclass('dsql_emulator.bootstrap') IS NOT NULL AS exists`,
      )
      const { rows: done } = found[0]?.exists
        ? await client.query<{ hash: string }>('SELECT hash FROM dsql_emulator.bootstrap')
        : { rows: [] }
      if (done[0]?.hash !== BOOTSTRAP_HASH) {
        for (const sql of BOOTSTRAP_SQL) await client.query(sql)
        await client.query('CREATE TABLE IF NOT EXISTS dsql_emulator.bootstrap (hash text NOT NULL)')
        await client.query('DELETE FROM dsql_emulator.bootstrap')
        await client.query('INSERT INTO dsql_emulator.bootstrap VALUES ($1)', [BOOTSTRAP_HASH])
      }
      await client.query('INSERT INTO dsql_emulator.secret VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [
        randomBytes(32).toString('hex'),
      ])
      const { rows } = await client.query<{ value: string }>('SELECT value FROM dsql_emulator.secret')
      const catalog = new BackendCatalog(pool, rows[0]!.value)
      await client.query(`ALTER ROLE admin PASSWORD '${catalog.passwordFor('admin')}'`)
      await client.query('COMMIT')
      return catalog
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }

  /** The backend password of a role: the same in every emulator sharing the backend. */
  passwordFor(role: string): string {
    return createHash('md5').update(`${this.#secret}:${role}`).digest('hex')
  }

  /** Whether `arn` may log in as the non-admin `role` (DSQL: an `AWS IAM GRANT` mapping). */
  async authorize(role: string, arn: string): Promise<RoleVerdict> {
    const { rows } = await this.#pool.query<{ login: boolean; mapped: boolean }>(
      `SELECT r.rolcanlogin AS login,
              EXISTS (SELECT 1 FROM dsql_emulator.iam_role_mappings m WHERE m.pg_role_oid = r.oid AND m.arn = $2) AS mapped
       FROM pg_catalog.pg_roles r WHERE r.rolname = $1`,
      [role, arn],
    )
    const row = rows[0]
    if (row === undefined) return { ok: false, hint: `Role ${role} does not exist` }
    if (!row.login || !row.mapped) return { ok: false, hint: `Cannot establish trust with role ${role}` }
    return { ok: true }
  }

  /** Sets a role's backend password again, e.g. after someone changed it. */
  async resetPassword(role: string): Promise<void> {
    const { rows } = await this.#pool.query<{ sql: string }>('SELECT format($1, $2::text, $3::text) AS sql', [
      'ALTER ROLE %I PASSWORD %L',
      role,
      this.passwordFor(role),
    ])
    await retryRoleRace(() => this.#pool.query(rows[0]!.sql))
  }
}

/** Attempts at a statement that changes a role while another emulator may change it too. */
const ROLE_CHANGE_ATTEMPTS = 5

/**
 * Whether a role change lost a race with another one. Roles span the backend's databases, but
 * the bootstrap's advisory lock holds within one database only, so emulators bootstrapping two
 * databases (or resetting a password) can update the same role row at once: PostgreSQL then
 * fails one with `tuple concurrently updated` (XX000, no code of its own) or, for two
 * `CREATE ROLE`s, a duplicate key. Every such statement is idempotent, so it is tried again.
 */
function isRoleRace(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown }
  return code === '23505' || (code === 'XX000' && message === 'tuple concurrently updated')
}

async function retryRoleRace<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      if (attempt >= ROLE_CHANGE_ATTEMPTS || !isRoleRace(error)) throw error
    }
  }
}
