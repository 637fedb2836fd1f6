import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgresServer } from '../../../src/backend/embedded-backend.js'
import {
  type EmbeddedBackend,
  type Emulator,
  EmulatorBackendError,
  startEmbeddedBackend,
  startEmulator,
} from '../../../src/index.js'
import { passwordMessage, startupMessage } from '../../../src/wire/frontend-messages.js'
import { connectClient, connectError, signToken } from '../../support/dsql-client.js'
import { backendUrl } from '../../support/emulator.js'
import { directTls, roundTrip } from '../../support/raw-wire.js'

// Issue 12, item 1: `AWS IAM GRANT postgres TO '<arn>'` reset the backend superuser's password,
// and the emulator then logged clients in as postgres (COPY ... FROM PROGRAM: OS commands). A
// client signed in as admin must never reach a role admin did not create, a superuser, or any
// role with more rights than DSQL's admin; each attempt is refused and changes nothing.

const pid = process.pid
const accessDenied = {
  code: '08006',
  severity: 'FATAL',
  message: 'unable to accept connection, access denied',
}

/** The backend's superuser, to look behind the emulator and to stage what a client cannot. */
async function superuser(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  return client
}

/**
 * Whether admin still signs in to the backend with the password the emulator gives it. Its hash
 * cannot be compared: every emulator start sets that password again, with a new SCRAM salt, and
 * other test files start emulators over the shared backend at any time.
 */
async function adminPasswordIntact(backend: pg.Client): Promise<boolean> {
  const { rows } = await backend.query<{ value: string }>('SELECT value FROM dsql_emulator.secret')
  const password = createHash('md5').update(`${rows[0]!.value}:admin`).digest('hex')
  const admin = new pg.Client({
    host: backend.host,
    port: backend.port,
    database: backend.database,
    user: 'admin',
    password,
  })
  try {
    await admin.connect()
    return true
  } catch {
    return false
  } finally {
    await admin.end().catch(() => undefined)
  }
}

/**
 * What an escalation would change, read as the superuser: the roles' attributes and password
 * hashes (admin's: whether its password still works), their memberships (PostgreSQL 16's
 * automatic grant of a created role to its creator, which other test files make all the time,
 * left out), admin's settings, and the extensions.
 */
async function snapshot(backend: pg.Client, roles: readonly string[]): Promise<unknown> {
  const names = ['postgres', 'admin', ...roles]
  const { rows: attributes } = await backend.query(
    `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin,
            CASE WHEN rolname = 'admin' THEN NULL ELSE md5(coalesce(rolpassword, '')) END AS password
     FROM pg_authid WHERE rolname = ANY($1) ORDER BY rolname`,
    [names],
  )
  const { rows: memberships } = await backend.query(
    `SELECT m.roleid::regrole::text AS role, m.member::regrole::text AS member,
            m.admin_option, m.inherit_option, m.set_option
     FROM pg_auth_members m
     WHERE (m.member::regrole::text = ANY($1) OR m.roleid::regrole::text = ANY($1))
       AND NOT (m.admin_option AND NOT m.inherit_option AND NOT m.set_option)
     ORDER BY 1, 2`,
    [names],
  )
  const { rows: settings } = await backend.query(
    "SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'admin'::regrole",
  )
  const { rows: extensions } = await backend.query('SELECT extname FROM pg_extension ORDER BY 1')
  return { attributes, memberships, settings, extensions, adminPassword: await adminPasswordIntact(backend) }
}

/** A client's attempt, and what it got back. */
async function attempt(client: pg.Client, sql: string): Promise<{ code?: string; message: string } | 'ok'> {
  try {
    await client.query(sql)
    return 'ok'
  } catch (error) {
    const { code, message } = error as { code?: string; message: string }
    return { code, message }
  }
}

/**
 * Every path to superuser, or past admin's rights, a client signed in as admin might try, and
 * the refusal it gets: DSQL's error where DSQL refuses the statement, PostgreSQL's 42501 where
 * the backend role's own rights stop it. `{role}` is a role of the server the emulator did not
 * create (a bystander).
 */
const ESCALATIONS: readonly (readonly [string, { code: string; message?: string | RegExp }])[] = [
  [
    "AWS IAM GRANT postgres TO '{arn}'",
    { code: '42501', message: 'permission denied to grant IAM trust with role postgres' },
  ],
  [
    "AWS IAM GRANT {role} TO '{arn}'",
    { code: '42501', message: 'permission denied to grant IAM trust with role {role}' },
  ],
  ["SELECT dsql_emulator.iam_grant('postgres', '{arn}', true)", { code: '42501' }],
  [
    "INSERT INTO dsql_emulator.iam_role_mappings (arn, pg_role_oid, grantor_pg_role_oid) VALUES ('{arn}', 10, 10)",
    { code: '42501' },
  ],
  ['SELECT value FROM dsql_emulator.secret', { code: '42501' }],
  ["ALTER ROLE postgres PASSWORD 'taken'", { code: '42501' }],
  ['ALTER ROLE postgres NOSUPERUSER', { code: '42501' }],
  ["ALTER ROLE {role} PASSWORD 'taken'", { code: '42501' }],
  ['ALTER ROLE {role} SUPERUSER', { code: '42501' }],
  ['DROP ROLE {role}', { code: '42501' }],
  ['GRANT {role} TO admin', { code: '42501' }],
  ['GRANT postgres TO admin', { code: '42501' }],
  ['ALTER ROLE admin SUPERUSER', { code: '42501', message: 'permission denied to change role admin' }],
  ['ALTER ROLE admin CREATEDB', { code: '42501', message: 'permission denied to change role admin' }],
  [
    'ALTER ROLE admin REPLICATION BYPASSRLS',
    { code: '42501', message: 'permission denied to change role admin' },
  ],
  ["ALTER ROLE admin PASSWORD 'taken'", { code: '42501', message: 'permission denied to change role admin' }],
  [
    "ALTER USER CURRENT_USER WITH PASSWORD 'taken'",
    { code: '42501', message: 'permission denied to change role admin' },
  ],
  [
    'ALTER ROLE admin SET search_path = public',
    { code: '42501', message: 'permission denied to change role admin' },
  ],
  ['ALTER ROLE admin RENAME TO boss', { code: '42501', message: 'permission denied to change role admin' }],
  ['DROP ROLE admin', { code: '42501', message: 'permission denied to change role admin' }],
  ['CREATE ROLE boss SUPERUSER', { code: '42501' }],
  ['CREATE ROLE boss REPLICATION', { code: '42501' }],
  ['CREATE ROLE boss BYPASSRLS', { code: '42501' }],
  ['CREATE ROLE boss CREATEDB', { code: '42501' }],
  ['CREATE ROLE boss IN ROLE pg_execute_server_program', { code: '42501' }],
  ['SET ROLE postgres', { code: '42501', message: 'permission denied to set role "postgres"' }],
  ['SET ROLE {role}', { code: '42501' }],
  ['SET SESSION AUTHORIZATION postgres', { code: '42501' }],
  ["COPY (SELECT 1) TO PROGRAM 'id'", { code: '42501' }],
  ["COPY sys.jobs FROM PROGRAM 'id'", { code: '42501' }],
  ["COPY (SELECT 1) TO '/tmp/pg-dsql-escalation'", { code: '42501' }],
  ["COPY sys.jobs FROM '/etc/passwd'", { code: '42501' }],
  ["SELECT pg_read_file('/etc/passwd')", { code: '42501' }],
  ["SELECT lo_import('/etc/passwd')", { code: '42501' }],
  ["SELECT lo_export(0, '/tmp/pg-dsql-escalation')", { code: '42501' }],
  ...[
    'pg_read_server_files',
    'pg_write_server_files',
    'pg_execute_server_program',
    'pg_read_all_data',
    'pg_signal_backend',
  ].map(
    (role) =>
      [
        `GRANT ${role} TO admin`,
        { code: '42501', message: `permission denied to grant role "${role}"` },
      ] as const,
  ),
  ['CREATE EXTENSION file_fdw', { code: '0A000', message: 'unsupported statement: CreateExtension' }],
  ["DO $$ BEGIN EXECUTE 'CREATE EXTENSION file_fdw'; END $$", { code: '42501' }],
  ['ALTER DATABASE postgres SET search_path = public', { code: '42501' }],
]

/**
 * The whole suite, over one backend: `url` is its superuser's, `bystander` a login role of that
 * server the emulator did not create. `exclusive`: no other test file uses the server, so a trap
 * in its `public` schema cannot catch their sessions.
 */
function escalationSuite(
  name: string,
  backend: () => { url: string; bystander: string },
  { exclusive }: { exclusive: boolean },
) {
  describe(`emulator admin on ${name}`, () => {
    let emu: Emulator
    let root: pg.Client
    let admin: pg.Client
    let bystander: string
    let watched: string[]

    beforeAll(async () => {
      ;({ bystander } = backend())
      root = await superuser(backend().url)
      await root.query(`DROP ROLE IF EXISTS ${bystander}`)
      await root.query(`CREATE ROLE ${bystander} LOGIN PASSWORD 'bystander-secret'`)
      emu = await startEmulator({ regions: ['us-east-1'], backend: backend().url })
      admin = await connectClient(emu)
      watched = [bystander]
    })

    afterAll(async () => {
      await admin?.end()
      await emu?.stop()
      await root?.query(`DROP ROLE IF EXISTS ${bystander}`)
      await root?.end()
    })

    it.each(ESCALATIONS)('refuses %s and changes nothing', async (template, expected) => {
      const fill = (text: string) =>
        text.replaceAll('{arn}', emu.credentials.arn).replaceAll('{role}', bystander)
      const before = await snapshot(root, watched)
      const outcome = await attempt(admin, fill(template))
      const message = typeof expected.message === 'string' ? fill(expected.message) : expected.message
      expect(outcome).toMatchObject({ code: expected.code, ...(message === undefined ? {} : { message }) })
      expect(await snapshot(root, watched)).toEqual(before)
      // The session is still admin's, and still usable.
      expect((await admin.query('SELECT current_user AS u, session_user AS s')).rows).toEqual([
        { u: 'admin', s: 'admin' },
      ])
    })

    it.each([
      ['postgres', () => 'postgres'],
      ['a role the emulator did not create', () => bystander],
    ])('never signs a client in as %s, even with a mapping the emulator did not make', async (_n, role) => {
      const target = role()
      const before = await snapshot(root, watched)
      expect(await connectError(emu, { user: target })).toMatchObject({
        ...accessDenied,
        hint: `Cannot establish trust with role ${target}`,
      })
      // A mapping left by an older emulator, or written by someone with the superuser's rights.
      await root.query(
        `INSERT INTO dsql_emulator.iam_role_mappings (arn, pg_role_oid, grantor_pg_role_oid)
         VALUES ($1, $2::regrole, $2::regrole) ON CONFLICT DO NOTHING`,
        [emu.credentials.arn, target],
      )
      try {
        expect(await connectError(emu, { user: target })).toMatchObject({
          ...accessDenied,
          hint: `Cannot establish trust with role ${target}`,
        })
      } finally {
        await root.query('DELETE FROM dsql_emulator.iam_role_mappings WHERE pg_role_oid = $1::regrole', [
          target,
        ])
      }
      expect(await snapshot(root, watched)).toEqual(before)
    })

    it('refuses a startup parameter that would switch to another role with 42501', async () => {
      for (const [parameter, value] of [
        ['role', 'postgres'],
        ['session_authorization', 'postgres'],
        ['role', bystander],
      ] as const) {
        const socket = await directTls(emu)
        const startup = new Map([
          ['user', 'admin'],
          ['database', 'postgres'],
          [parameter, value],
        ])
        await roundTrip(socket, startupMessage(startup), (b) => b.includes(0x52))
        const reply = await roundTrip(
          socket,
          passwordMessage(await signToken(emu)),
          (b) => b.length > 5 && b.length >= b.readUInt32BE(1) + 1,
        )
        socket.destroy()
        expect(String.fromCharCode(reply[0]!)).toBe('E')
        expect(reply.toString('latin1')).toContain('C42501\0')
      }
    })

    it('maps a role admin created, and stops trusting it once it gains more than DSQL gives', async () => {
      const app = `priv_app_${pid}`
      await admin.query(`DROP ROLE IF EXISTS ${app}`)
      await admin.query(`CREATE ROLE ${app} WITH LOGIN`)
      try {
        await admin.query(`AWS IAM GRANT ${app} TO '${emu.credentials.arn}'`)
        const signedIn = await connectClient(emu, { user: app })
        expect((await signedIn.query('SELECT current_user AS u')).rows).toEqual([{ u: app }])
        await signedIn.end()

        // What admin may give it on PostgreSQL, but DSQL's roles never have.
        await admin.query(`ALTER ROLE ${app} CREATEROLE`)
        expect(await connectError(emu, { user: app })).toMatchObject(accessDenied)
        await expect(admin.query(`AWS IAM GRANT ${app} TO '${emu.credentials.arn}'`)).rejects.toMatchObject({
          code: '42501',
          detail: expect.stringContaining(`${app} (CREATEROLE)`),
        })
        await admin.query(`ALTER ROLE ${app} NOCREATEROLE`)
        await connectClient(emu, { user: app }).then((c) => c.end())

        // A membership someone else gave it on the server. Not on the shared backend: while it
        // lasts, admin (which administers the role) has more than DSQL's admin, and emulators
        // other test files start there would refuse that backend.
        if (exclusive) {
          await root.query(`GRANT pg_read_server_files TO ${app}`)
          expect(await connectError(emu, { user: app })).toMatchObject(accessDenied)
          await root.query(`REVOKE pg_read_server_files FROM ${app}`)
        }
      } finally {
        await admin.query(`AWS IAM REVOKE ${app} FROM '${emu.credentials.arn}'`)
        await admin.query(`DROP ROLE IF EXISTS ${app}`)
      }
    })

    it.runIf(exclusive)(
      "never runs admin's functions as the superuser when it resets a password",
      async () => {
        // A better match than pg_catalog.format(text, VARIADIC "any") for the emulator's own
        // format($1, $2::text, $3::text), in a schema admin may write to.
        const trap = `CREATE OR REPLACE FUNCTION public.format(text, text, text) RETURNS text LANGUAGE sql
        AS $f$ ALTER ROLE admin SUPERUSER; SELECT pg_catalog.format($1, $2, $3) $f$`
        await admin.query(trap)
        try {
          // Admin's password changed behind the emulator's back (a function may do what a
          // statement may not): the next login resets it, as the superuser.
          await admin.query(
            `CREATE OR REPLACE FUNCTION public.pg_dsql_repassword() RETURNS void LANGUAGE sql
           AS $f$ ALTER ROLE admin PASSWORD 'changed' $f$`,
          )
          await admin.query('SELECT public.pg_dsql_repassword()')
          const again = await connectClient(emu)
          expect(
            (await again.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows,
          ).toEqual([{ rolsuper: false }])
          await again.end()
        } finally {
          await root.query('DROP FUNCTION IF EXISTS public.format(text, text, text)')
          await root.query('DROP FUNCTION IF EXISTS public.pg_dsql_repassword()')
          await root.query('ALTER ROLE admin NOSUPERUSER')
        }
      },
    )

    it('has no SECURITY DEFINER function admin may run that is owned by a role with more rights than admin', async () => {
      const { rows } = await root.query(
        `WITH RECURSIVE reach(owner, oid) AS (
           SELECT r.oid, r.oid FROM pg_roles r
           UNION
           SELECT reach.owner, m.roleid FROM pg_auth_members m JOIN reach ON m.member = reach.oid
         ),
         privileged AS (
           SELECT DISTINCT reach.owner FROM reach JOIN pg_roles r ON r.oid = reach.oid
           WHERE r.rolsuper OR r.rolreplication OR r.rolbypassrls OR r.rolcreatedb OR r.oid < 16384
              OR (r.rolcreaterole AND reach.owner <> 'admin'::regrole)
         )
         SELECT p.oid::regprocedure::text AS function, p.proowner::regrole::text AS owner
         FROM pg_proc p
         WHERE p.prosecdef AND has_function_privilege('admin', p.oid, 'EXECUTE')
           AND p.proowner IN (SELECT owner FROM privileged)
         ORDER BY 1`,
      )
      expect(rows).toEqual([])
    })
  })
}

escalationSuite('the shared test backend', () => ({ url: backendUrl(), bystander: `bystander_${pid}` }), {
  exclusive: false,
})

describe('emulator admin on a server with roles of its own', () => {
  let server: EmbeddedBackend

  beforeAll(async () => {
    server = await startEmbeddedBackend()
    const root = await superuser(server.url)
    try {
      // Roles that were there before the emulator: a second superuser, and a role that may read
      // the server's files.
      await root.query("CREATE ROLE ops LOGIN SUPERUSER PASSWORD 'ops-secret'")
      await root.query("CREATE ROLE reader LOGIN PASSWORD 'reader-secret' IN ROLE pg_read_server_files")
    } finally {
      await root.end()
    }
  })

  afterAll(async () => {
    await server?.stop()
  })

  escalationSuite('a server with other roles', () => ({ url: server.url, bystander: `bystander_${pid}` }), {
    exclusive: true,
  })

  it.each(['ops', 'reader'])('cannot map, alter or sign in as the server role %s', async (role) => {
    const emu = await startEmulator({ regions: ['us-east-1'], backend: server.url })
    const root = await superuser(server.url)
    try {
      const before = await snapshot(root, [role])
      const admin = await connectClient(emu)
      for (const sql of [
        `AWS IAM GRANT ${role} TO '${emu.credentials.arn}'`,
        `ALTER ROLE ${role} PASSWORD 'taken'`,
        `GRANT ${role} TO admin`,
        `SET ROLE ${role}`,
      ]) {
        expect(await attempt(admin, sql)).toMatchObject({ code: '42501' })
      }
      await admin.end()
      expect(await connectError(emu, { user: role })).toMatchObject(accessDenied)
      expect(await snapshot(root, [role])).toEqual(before)
    } finally {
      await root.end()
      await emu.stop()
    }
  })

  it('refuses to start over a server whose admin role was given more than DSQL gives admin', async () => {
    const root = await superuser(server.url)
    // The role exists once an emulator bootstrapped the server.
    await (await startEmulator({ regions: ['us-east-1'], backend: server.url })).stop()
    await root.query('GRANT pg_execute_server_program TO admin')
    try {
      const error = await startEmulator({ regions: ['us-east-1'], backend: server.url }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(EmulatorBackendError)
      expect((error as Error).message).toContain(
        "the server's admin role has more rights than DSQL's admin, through pg_execute_server_program (a predefined role)",
      )
    } finally {
      await root.query('REVOKE pg_execute_server_program FROM admin')
      await root.end()
    }
  })
})

/** A PostgreSQL older than 16 installed on this machine (Debian's layout), if any. */
const olderServer = ['15', '14', '13']
  .map((major) => `/usr/lib/postgresql/${major}`)
  .find((dir) => existsSync(`${dir}/bin/postgres`) && existsSync(`${dir}/bin/initdb`))

describe('emulator backend version', () => {
  // Before PostgreSQL 16, admin's CREATEROLE could grant it pg_execute_server_program.
  it.runIf(olderServer !== undefined)(
    'refuses a backend older than PostgreSQL 16, naming its version',
    async () => {
      const server = await startPostgresServer({
        binaries: { nativeDir: olderServer!, version: `system-${olderServer!.split('/').pop()}` },
        cacheRoot: tmpdir(),
      })
      try {
        const error = await startEmulator({ regions: ['us-east-1'], backend: server.url }).catch(
          (e: unknown) => e,
        )
        expect(error).toBeInstanceOf(EmulatorBackendError)
        expect((error as Error).message).toMatch(
          /^Emulator option backend: the server runs PostgreSQL 1[3-5]\.\d+.*, and the emulator needs 16 or later\./,
        )
      } finally {
        await server.stop()
      }
    },
  )
})
