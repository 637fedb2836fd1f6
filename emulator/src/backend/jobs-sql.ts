/**
 * DSQL's asynchronous jobs on the backend (User Guide "Asynchronous indexes", "ALTER TABLE"):
 *
 * - `dsql_emulator.jobs`, shown as `sys.jobs` (`job_id, status, details, job_type, class_id,
 *   object_id, object_name, start_time, update_time`). The emulator runs a job with its
 *   statement, so a job is `completed` or `failed` (with the reason in `details`) once its
 *   statement's transaction commits; it never shows `submitted` or `processing`, and finished
 *   jobs are kept (DSQL drops them after 30 minutes).
 * - `dsql_emulator.record_job(id, type, object, name, failure)`: what the statement's `DO` block
 *   calls (see `asyncJobSql`). SECURITY DEFINER (the session's role cannot write the table)
 *   and owned by the unprivileged owner role: it inserts one row and nothing else.
 * - `sys.wait_for_job(job_id)`: a procedure, as on DSQL, answering `succeeded` (true for a
 *   completed job, false for a failed one; it does not raise the job's error). A malformed id
 *   gets DSQL's `22P02 Unable to convert text to UUID` (observed 2026-09-15); an unknown one is
 *   waited for, as DSQL waits (it has no existence check), committing between looks so a job
 *   another session commits meanwhile is seen. It runs with its caller's rights: a procedure
 *   that commits may not be SECURITY DEFINER.
 */
export function jobsSql(owner: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS dsql_emulator.jobs (
       job_id text PRIMARY KEY, status text NOT NULL, details text, job_type text NOT NULL,
       class_id oid, object_id oid, object_name text,
       start_time timestamptz NOT NULL DEFAULT now(), update_time timestamptz NOT NULL DEFAULT now())`,
    `ALTER TABLE dsql_emulator.jobs OWNER TO ${owner}`,
    'DROP FUNCTION IF EXISTS dsql_emulator.record_job(text, oid)',
    `CREATE OR REPLACE FUNCTION dsql_emulator.record_job(
       new_id text, new_type text, new_object oid, new_name text, new_failure text)
     RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
       INSERT INTO dsql_emulator.jobs (job_id, status, details, job_type, class_id, object_id, object_name)
       VALUES (new_id, CASE WHEN new_failure IS NULL THEN 'completed' ELSE 'failed' END, new_failure,
               new_type, 'pg_catalog.pg_class'::regclass, new_object,
               coalesce(new_name, (SELECT n.nspname || '.' || c.relname FROM pg_class c
                                   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = new_object)))
     $$`,
    `ALTER FUNCTION dsql_emulator.record_job(text, text, oid, text, text) OWNER TO ${owner}`,
    'REVOKE ALL ON FUNCTION dsql_emulator.record_job(text, text, oid, text, text) FROM PUBLIC',
    'GRANT EXECUTE ON FUNCTION dsql_emulator.record_job(text, text, oid, text, text) TO PUBLIC',
    `CREATE OR REPLACE VIEW sys.jobs AS
       SELECT job_id, status, details, job_type, class_id, object_id, object_name, start_time, update_time
       FROM dsql_emulator.jobs`,
    `ALTER VIEW sys.jobs OWNER TO ${owner}`,
    'GRANT SELECT ON sys.jobs TO PUBLIC',
    'DROP PROCEDURE IF EXISTS sys.wait_for_job(text)',
    `CREATE OR REPLACE PROCEDURE sys.wait_for_job(job_id text, INOUT succeeded boolean DEFAULT NULL)
     LANGUAGE plpgsql AS $$
     DECLARE
       job_status text;
     BEGIN
       IF job_id IS NULL OR job_id !~ '^[a-z2-7]{26}$' THEN
         RAISE EXCEPTION USING ERRCODE = '22P02', MESSAGE = 'Unable to convert text to UUID';
       END IF;
       LOOP
         SELECT j.status INTO job_status FROM sys.jobs j WHERE j.job_id = wait_for_job.job_id;
         IF job_status IN ('completed', 'failed') THEN
           succeeded := job_status = 'completed';
           RETURN;
         END IF;
         COMMIT;
         PERFORM pg_catalog.pg_sleep(0.1);
       END LOOP;
     END $$`,
    `ALTER PROCEDURE sys.wait_for_job(text, boolean) OWNER TO ${owner}`,
    'GRANT EXECUTE ON PROCEDURE sys.wait_for_job(text, boolean) TO PUBLIC',
  ]
}
