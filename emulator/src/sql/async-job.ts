import type { AsyncForm } from './async-ddl.js'
import { quoteIdent } from './shadow-statement.js'
import type { SqlNode } from './sql-parser.js'
import { fieldsOf } from './sql-tree.js'

/** DSQL's job types in `sys.jobs` for the asynchronous DDL the emulator runs. */
export type AsyncJobType = 'INDEX_BUILD' | 'VALIDATE_CONSTRAINT'

/** What an asynchronous DDL statement's job is about. */
export interface AsyncJob {
  readonly type: AsyncJobType
  /** The command tag DSQL answers with (besides the `job_id` row). */
  readonly tag: 'CREATE INDEX' | 'ALTER TABLE'
  /** The table, quoted, qualified when the statement qualifies it. */
  readonly table: string
  /** `INDEX_BUILD`: the index's name, when the statement gives one. */
  readonly indexName: string | undefined
}

/**
 * DSQL's text when a unique index cannot be built over duplicate keys (User Guide
 * "Asynchronous indexes", "Unique index build failures").
 */
export const DUPLICATE_KEY_DETAILS = 'Found duplicate key while validating index for UCVs'

/** The job a statement written with `ASYNC` starts; `undefined` for any other. */
export function asyncJobOf(node: SqlNode, form: AsyncForm | undefined): AsyncJob | undefined {
  const index = form === 'index' ? fieldsOf(node, 'IndexStmt') : undefined
  const alter = form === 'alter-table' ? fieldsOf(node, 'AlterTableStmt') : undefined
  const fields = index ?? alter
  if (fields === undefined) return undefined
  const relation = (fields.relation ?? {}) as { relname?: string; schemaname?: string }
  const schema = relation.schemaname === undefined ? '' : `${quoteIdent(relation.schemaname)}.`
  const table = `${schema}${quoteIdent(relation.relname ?? '')}`
  return index !== undefined
    ? { type: 'INDEX_BUILD', tag: 'CREATE INDEX', table, indexName: index.idxname as string | undefined }
    : { type: 'VALIDATE_CONSTRAINT', tag: 'ALTER TABLE', table, indexName: undefined }
}

/** A dollar-quoted literal whose tag the text does not contain. */
function dollarQuote(text: string): string {
  let n = 0
  while (text.includes(`$pg_dsql_${n}$`)) n++
  return `$pg_dsql_${n}$${text}$pg_dsql_${n}$`
}

function recordJob(id: string, job: AsyncJob, objectOid: string, objectName: string, failure: string) {
  return `PERFORM dsql_emulator.record_job(${dollarQuote(id)}, '${job.type}', ${objectOid}, ${objectName}, ${failure});`
}

/**
 * The backend's text for an asynchronous DDL statement: a DO block that runs the statement and
 * records its job, completed or failed, in the client's transaction (a rollback forgets both).
 * DSQL runs the job after the statement returns; the emulator runs it at once, so a job is
 * finished when its statement is. A validation that finds violating rows, or a unique index
 * over duplicate keys, fails the job, not the statement: the constraint stays NOT VALID (the
 * failed unique index is not left behind, where DSQL leaves it INVALID). Pure.
 */
export function asyncJobSql(job: AsyncJob, statement: string, jobId: string): string {
  const table = `${dollarQuote(job.table)}::pg_catalog.regclass`
  let body: string
  if (job.type === 'VALIDATE_CONSTRAINT') {
    body = `BEGIN
  BEGIN
    EXECUTE ${dollarQuote(statement)};
  EXCEPTION WHEN check_violation OR foreign_key_violation THEN
    ${recordJob(jobId, job, table, 'NULL', 'SQLERRM')}
    RETURN;
  END;
  ${recordJob(jobId, job, table, 'NULL', 'NULL')}
END`
  } else {
    const name = job.indexName === undefined ? undefined : dollarQuote(job.indexName)
    const found =
      name === undefined
        ? `SELECT indexrelid INTO index_oid FROM pg_catalog.pg_index WHERE indrelid = ${table} ORDER BY indexrelid DESC LIMIT 1;`
        : `SELECT c.oid INTO index_oid FROM pg_catalog.pg_class c WHERE c.relname = ${name} AND c.relnamespace = (SELECT relnamespace FROM pg_catalog.pg_class WHERE oid = ${table});`
    const failedName =
      name === undefined
        ? 'NULL'
        : `(SELECT n.nspname || '.' || ${name} FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ${table})`
    body = `DECLARE index_oid pg_catalog.oid;
BEGIN
  BEGIN
    EXECUTE ${dollarQuote(statement)};
  EXCEPTION WHEN unique_violation THEN
    ${recordJob(jobId, job, 'NULL', failedName, dollarQuote(DUPLICATE_KEY_DETAILS))}
    RETURN;
  END;
  ${found}
  ${recordJob(jobId, job, 'index_oid', 'NULL', 'NULL')}
END`
  }
  return `DO ${dollarQuote(body)}`
}
