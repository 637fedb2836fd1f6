import { createHash, randomBytes } from 'node:crypto'
import type pg from 'pg'
import { EmulatorBackendError } from '../emulator-error.js'
import { BackendConnectError } from './backend-connection.js'
import { BOOTSTRAP_SQL } from './bootstrap-sql.js'

/** Any two emulators bootstrapping one backend take this advisory lock in turn. */
const BOOTSTRAP_LOCK = 7_367_011_520

const BOOTSTRAP_HASH = createHash('sha256').update(BOOTSTRAP_SQL.join('\n')).digest('hex')

/**
 * The oldest backend the emulator runs on. Before PostgreSQL 16, a role with CREATEROLE (as the
 * emulator's admin must have, to create roles) could grant itself any predefined role, such as
 * `pg_execute_server_program`, and change the password of any role but a superuser.
 */
const MIN_SERVER_VERSION_NUM = 160_000

/**
 * Settings of the emulator's own (superuser) sessions. Only PostgreSQL's catalog is searched
 * for functions and operators: admin may create objects in `public`, and a `public.format()`
 * matching the arguments better than `pg_catalog.format()` would otherwise run as the superuser.
 */
const SUPERUSER_SEARCH_PATH = 'SET search_path = pg_catalog, pg_temp'

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

  /**
   * Creates or updates the emulator's objects on the backend, safely under concurrency. Rejects
   * with an `EmulatorBackendError` when the backend is older than PostgreSQL 16, or when its
   * `admin` role has more rights than DSQL's admin (the emulator would serve them to clients).
   */
  static bootstrap(pool: pg.Pool): Promise<BackendCatalog> {
    pool.on('connect', (client) => {
      // A session whose search path is not pinned must not run the emulator's statements.
      client.query(SUPERUSER_SEARCH_PATH).catch(() => client.end().catch(() => undefined))
    })
    return retryRoleRace(() => BackendCatalog.#bootstrapOnce(pool))
  }

  static async #bootstrapOnce(pool: pg.Pool): Promise<BackendCatalog> {
    const client = await pool.connect()
    try {
      await assertServerVersion(client)
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
      // Checked at every start: the server's roles may have changed since the last bootstrap.
      await assertAdminRights(client)
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

  /**
   * Whether `arn` may log in as the non-admin `role` (DSQL: an `AWS IAM GRANT` mapping). A
   * mapping is not enough: the role must still be one the emulator may log in as (see
   * `trust_refusal`), whatever happened to it since the mapping was made.
   */
  async authorize(role: string, arn: string): Promise<RoleVerdict> {
    const { rows } = await this.#pool.query<{ login: boolean; mapped: boolean; refusal: string | null }>(
      `SELECT r.rolcanlogin AS login,
              EXISTS (SELECT 1 FROM dsql_emulator.iam_role_mappings m WHERE m.pg_role_oid = r.oid AND m.arn = $2) AS mapped,
              dsql_emulator.trust_refusal(r.rolname) AS refusal
       FROM pg_catalog.pg_roles r WHERE r.rolname = $1`,
      [role, arn],
    )
    const row = rows[0]
    if (row === undefined) return { ok: false, hint: `Role ${role} does not exist` }
    if (!row.login || !row.mapped || row.refusal !== null) {
      return { ok: false, hint: `Cannot establish trust with role ${role}` }
    }
    return { ok: true }
  }

  /**
   * Sets a role's backend password (again): at a mapped role's first login, or after someone
   * changed it. Only for admin and the roles the emulator may log in as; throws a
   * `BackendConnectError` for any other, and changes nothing.
   */
  async resetPassword(role: string): Promise<void> {
    const { rows } = await this.#pool.query<{ sql: string; refusal: string | null }>(
      `SELECT CASE WHEN $1::text = 'admin' THEN NULL ELSE dsql_emulator.trust_refusal($1::text) END AS refusal,
              format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text) AS sql`,
      [role, this.passwordFor(role)],
    )
    const { sql, refusal } = rows[0]!
    if (refusal !== null) {
      throw new BackendConnectError(`the emulator does not set the password of role ${role}: ${refusal}`)
    }
    await retryRoleRace(() => this.#pool.query(sql))
  }
}

/** Refuses a backend older than PostgreSQL 16 (see `MIN_SERVER_VERSION_NUM`). */
async function assertServerVersion(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ num: string; version: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version",
  )
  const { num, version } = rows[0]!
  if (Number(num) >= MIN_SERVER_VERSION_NUM) return
  throw new EmulatorBackendError(
    `Emulator option backend: the server runs PostgreSQL ${version}, and the emulator needs 16 or later. ` +
      'Before 16, a role that may create roles (as the emulator gives admin) can grant itself ' +
      'pg_execute_server_program and take over other roles. Use PostgreSQL 16 or later, or leave backend out for the embedded one.',
  )
}

/**
 * Refuses a backend whose `admin` role has more than DSQL's admin: a member of a predefined role
 * (`pg_read_server_files`, ...) or of a role with SUPERUSER, REPLICATION, BYPASSRLS or CREATEDB.
 * Every client that signs in as admin would get those rights.
 */
async function assertAdminRights(client: pg.PoolClient): Promise<void> {
  const { rows } = await client.query<{ excess: string | null }>(
    "SELECT dsql_emulator.rights_beyond_admin('admin'::regrole, true) AS excess",
  )
  const excess = rows[0]?.excess ?? null
  if (excess === null) return
  const role = excess.slice(0, excess.indexOf(' ('))
  throw new EmulatorBackendError(
    `Emulator option backend: the server's admin role has more rights than DSQL's admin, through ${excess}. ` +
      `Every client signed in as admin would have them. Revoke them on that server (${
        role === 'admin' ? 'ALTER ROLE admin NOSUPERUSER ...' : `REVOKE ${role} FROM admin`
      }), or use another backend.`,
  )
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
