import { jobsSql } from './jobs-sql.js'

/**
 * The unprivileged role that owns the emulator's tables and its `SECURITY DEFINER` functions:
 * no login, no attribute, no membership. A function that runs as its owner must not run as a
 * superuser, or any flaw in it hands the backend to the client calling it.
 */
export const OWNER_ROLE = 'dsql_emulator_owner'

/**
 * What makes a role more than DSQL's admin, as an SQL condition on `pg_roles r`: a superuser,
 * replication or row-security bypass, creating databases, or one of PostgreSQL's predefined
 * roles (`pg_read_server_files`, `pg_execute_server_program`, ...; their oids are below
 * FirstNormalObjectId, 16384, as are the bootstrap superuser's).
 */
const BEYOND_ADMIN =
  'r.rolsuper OR r.rolreplication OR r.rolbypassrls OR r.rolcreatedb OR r.oid < 16384 OR (r.rolcreaterole AND NOT createrole_allowed)'

/**
 * The emulator's own objects on the backend, created by the backend URL's superuser. Statements
 * are idempotent; an advisory lock serializes emulators sharing the backend.
 *
 * - `dsql_emulator.secret` (the superuser's only): the random secret every role's backend
 *   password derives from, so emulators sharing a backend agree on them.
 * - `dsql_emulator.iam_role_mappings`, shown as DSQL shows it in `sys.iam_pg_role_mappings`.
 * - `admin`: a role that can create roles and nothing more, like DSQL's admin. On PostgreSQL 16
 *   a role with CREATEROLE manages only the roles it created (it holds ADMIN OPTION on them) and
 *   cannot grant SUPERUSER, REPLICATION, BYPASSRLS or predefined roles.
 * - `dsql_emulator.rights_beyond_admin(oid, createrole_allowed)`: the first role, among a role
 *   and every role it is a member of (with any option: a role with ADMIN OPTION can give itself
 *   the others), that has more rights than DSQL's admin; NULL when none has.
 * - `dsql_emulator.trust_refusal(name)`: why the emulator will not map a role to an IAM
 *   principal, nor log in as it, nor set its password; NULL when it may. It may only for a role
 *   that admin created (admin holds ADMIN OPTION on it), that has no CREATEROLE and nothing
 *   beyond admin's rights, itself or through a membership.
 * - `AWS IAM GRANT` / `REVOKE` run as `dsql_emulator.iam_grant` on the client's own session, so
 *   they take part in its transaction. It is SECURITY DEFINER (admin cannot write the mappings
 *   itself) and owned by the unprivileged owner role: it writes a mapping, nothing else. The
 *   role's backend password is set by the emulator at its first login, after the same check.
 */
export const BOOTSTRAP_SQL: readonly string[] = [
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${OWNER_ROLE}') THEN CREATE ROLE ${OWNER_ROLE}; END IF;
   END $$`,
  `ALTER ROLE ${OWNER_ROLE} WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
  'CREATE SCHEMA IF NOT EXISTS dsql_emulator',
  'REVOKE ALL ON SCHEMA dsql_emulator FROM PUBLIC',
  'GRANT USAGE ON SCHEMA dsql_emulator TO PUBLIC',
  'CREATE TABLE IF NOT EXISTS dsql_emulator.secret (id int PRIMARY KEY CHECK (id = 1), value text NOT NULL)',
  'REVOKE ALL ON dsql_emulator.secret FROM PUBLIC',
  `CREATE TABLE IF NOT EXISTS dsql_emulator.iam_role_mappings (
     iam_oid bigint GENERATED ALWAYS AS IDENTITY,
     arn text NOT NULL,
     pg_role_oid oid NOT NULL,
     grantor_pg_role_oid oid NOT NULL,
     PRIMARY KEY (arn, pg_role_oid))`,
  `ALTER TABLE dsql_emulator.iam_role_mappings OWNER TO ${OWNER_ROLE}`,
  `DO $$ BEGIN
     IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'admin') THEN CREATE ROLE admin; END IF;
     EXECUTE format('GRANT CREATE, CONNECT ON DATABASE %I TO admin', current_database());
   END $$`,
  `ALTER ROLE admin WITH LOGIN INHERIT CREATEROLE NOSUPERUSER NOCREATEDB NOREPLICATION NOBYPASSRLS
     CONNECTION LIMIT -1 VALID UNTIL 'infinity'`,
  'GRANT ALL ON SCHEMA public TO admin WITH GRANT OPTION',
  `CREATE OR REPLACE FUNCTION dsql_emulator.rights_beyond_admin(role_oid oid, createrole_allowed boolean)
   RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
     WITH RECURSIVE reach(oid) AS (
       SELECT role_oid
       UNION
       SELECT m.roleid FROM pg_auth_members m JOIN reach ON m.member = reach.oid
     )
     SELECT format('%s (%s)', r.rolname, concat_ws(', ',
              CASE WHEN r.rolsuper THEN 'SUPERUSER' END,
              CASE WHEN r.rolreplication THEN 'REPLICATION' END,
              CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END,
              CASE WHEN r.rolcreatedb THEN 'CREATEDB' END,
              CASE WHEN r.rolcreaterole AND NOT createrole_allowed THEN 'CREATEROLE' END,
              CASE WHEN r.oid < 16384 THEN 'a predefined role' END))
     FROM reach JOIN pg_roles r ON r.oid = reach.oid
     WHERE ${BEYOND_ADMIN}
     ORDER BY r.oid <> role_oid, r.rolname
     LIMIT 1
   $$`,
  `CREATE OR REPLACE FUNCTION dsql_emulator.trust_refusal(role_name text)
   RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
     SELECT CASE
       WHEN r.oid IS NULL THEN format('role %s does not exist', role_name)
       WHEN r.rolname = 'admin' THEN 'admin signs in with DbConnectAdmin tokens, not through a mapping'
       WHEN dsql_emulator.rights_beyond_admin(r.oid, false) IS NOT NULL THEN
         format('role %s has more rights than the roles DSQL''s admin creates: %s', r.rolname,
                dsql_emulator.rights_beyond_admin(r.oid, false))
       WHEN NOT EXISTS (
         SELECT FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member
         WHERE m.roleid = r.oid AND a.rolname = 'admin' AND m.admin_option) THEN
         format('role %s was not created by admin (admin holds no ADMIN OPTION on it)', r.rolname)
     END
     FROM (SELECT role_name AS name) wanted LEFT JOIN pg_roles r ON r.rolname = wanted.name
   $$`,
  'REVOKE ALL ON FUNCTION dsql_emulator.rights_beyond_admin(oid, boolean) FROM PUBLIC',
  'REVOKE ALL ON FUNCTION dsql_emulator.trust_refusal(text) FROM PUBLIC',
  `GRANT EXECUTE ON FUNCTION dsql_emulator.rights_beyond_admin(oid, boolean) TO ${OWNER_ROLE}`,
  `GRANT EXECUTE ON FUNCTION dsql_emulator.trust_refusal(text) TO ${OWNER_ROLE}`,
  'CREATE SCHEMA IF NOT EXISTS sys',
  'GRANT USAGE ON SCHEMA sys TO PUBLIC',
  `CREATE OR REPLACE VIEW sys.iam_pg_role_mappings AS
     SELECT m.iam_oid, m.arn, m.pg_role_oid, r.rolname AS pg_role_name,
            m.grantor_pg_role_oid, g.rolname AS grantor_pg_role_name
     FROM dsql_emulator.iam_role_mappings m
     JOIN pg_catalog.pg_roles r ON r.oid = m.pg_role_oid
     LEFT JOIN pg_catalog.pg_roles g ON g.oid = m.grantor_pg_role_oid`,
  `ALTER VIEW sys.iam_pg_role_mappings OWNER TO ${OWNER_ROLE}`,
  'GRANT SELECT ON sys.iam_pg_role_mappings TO PUBLIC',
  `CREATE OR REPLACE FUNCTION dsql_emulator.iam_grant(role_name text, principal text, granting boolean)
   RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
   DECLARE
     target pg_roles%ROWTYPE;
     refusal text;
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
     refusal := dsql_emulator.trust_refusal(role_name);
     IF refusal IS NOT NULL THEN
       RAISE EXCEPTION USING ERRCODE = '42501', MESSAGE = format('permission denied to grant IAM trust with role %s', role_name),
         DETAIL = refusal || '. The emulator maps only roles admin created, with no more rights than DSQL gives them.';
     END IF;
     IF NOT target.rolcanlogin THEN
       RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = format('role %s must have the LOGIN attribute', role_name);
     END IF;
     INSERT INTO dsql_emulator.iam_role_mappings (arn, pg_role_oid, grantor_pg_role_oid)
       VALUES (principal, target.oid, (SELECT oid FROM pg_roles WHERE rolname = session_user))
       ON CONFLICT DO NOTHING;
   END $$`,
  `ALTER FUNCTION dsql_emulator.iam_grant(text, text, boolean) OWNER TO ${OWNER_ROLE}`,
  'REVOKE ALL ON FUNCTION dsql_emulator.iam_grant(text, text, boolean) FROM PUBLIC',
  'GRANT EXECUTE ON FUNCTION dsql_emulator.iam_grant(text, text, boolean) TO admin',
  ...jobsSql(OWNER_ROLE),
]
