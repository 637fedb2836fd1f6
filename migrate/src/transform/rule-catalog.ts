import type { Severity } from './transform-types.js'

const GUIDE = 'https://docs.aws.amazon.com/aurora-dsql/latest/userguide'

/** The DSQL documentation each rule rests on. */
export const DSQL_DOCS = {
  ddl: `${GUIDE}/working-with-ddl.html`,
  createIndex: `${GUIDE}/create-index-syntax-support.html`,
  asyncIndexes: `${GUIDE}/working-with-create-index-async.html`,
  createTable: `${GUIDE}/create-table-syntax-support.html`,
  alterTable: `${GUIDE}/alter-table-syntax-support.html`,
  sequences: `${GUIDE}/create-sequence-syntax-support.html`,
  foreignKeys: `${GUIDE}/working-with-foreign-key-constraints.html`,
  unsupported: `${GUIDE}/working-with-postgresql-compatibility-unsupported-features.html`,
  dataTypes: `${GUIDE}/working-with-postgresql-compatibility-supported-data-types.html`,
  supportedSql: `${GUIDE}/working-with-postgresql-compatibility-supported-sql-features.html`,
  quotas: `${GUIDE}/CHAP_quotas.html`,
} as const

/** One rule: what it does, how much it asks of the reader, and where DSQL says so. */
export interface RuleInfo {
  readonly severity: Severity
  /** What transform does, in a few words, for the rules table. */
  readonly action: string
  /** Why, in one sentence. */
  readonly why: string
  readonly source: string
}

function rule(severity: Severity, action: string, why: string, source: string): RuleInfo {
  return { severity, action, why, source }
}

/**
 * Every rule transform and lint apply, by name. The README's rules table lists the same rows (a
 * test holds them together), and `-- pg-dsql-migrate: allow <rule>` names them.
 */
export const RULES = {
  'syntax-error': rule('error', 'reported', 'PostgreSQL cannot parse the statement.', DSQL_DOCS.supportedSql),
  'transaction-control': rule(
    'fixed',
    'BEGIN, COMMIT and SET TRANSACTION removed',
    'Each statement runs in a transaction of its own: one DDL statement per transaction, and no DML beside it.',
    DSQL_DOCS.ddl,
  ),
  'unsupported-transaction-control': rule(
    'error',
    'reported',
    'DSQL has no savepoints, two-phase commit, or ROLLBACK inside a migration.',
    DSQL_DOCS.unsupported,
  ),
  'session-setting': rule(
    'fixed',
    'SET and RESET removed',
    'A session setting made in one transaction does not reach the statements after it, which run in transactions of their own.',
    DSQL_DOCS.ddl,
  ),
  'session-scoped-setting': rule(
    'error',
    'reported',
    'search_path, ROLE and SESSION AUTHORIZATION would have to reach later statements, which run in transactions of their own.',
    DSQL_DOCS.ddl,
  ),
  extension: rule(
    'advisory',
    'CREATE, ALTER and DROP EXTENSION removed',
    'DSQL supports no extensions; what the migration used them for must come from elsewhere.',
    DSQL_DOCS.unsupported,
  ),
  vacuum: rule(
    'fixed',
    'VACUUM removed',
    'DSQL maintains storage and statistics itself and refuses VACUUM.',
    DSQL_DOCS.unsupported,
  ),
  'do-block-guard': rule(
    'advisory',
    "DO block's statement unwrapped",
    'DSQL has no PL/pgSQL; the block only guarded one statement against an existing object.',
    DSQL_DOCS.unsupported,
  ),
  'index-async': rule(
    'fixed',
    'CREATE INDEX becomes CREATE INDEX ASYNC',
    'DSQL builds every index asynchronously and refuses CREATE INDEX without ASYNC; apply waits for the job.',
    DSQL_DOCS.asyncIndexes,
  ),
  'index-concurrently': rule(
    'fixed',
    'CONCURRENTLY removed',
    'DSQL refuses CONCURRENTLY; an ASYNC index build never blocks writes anyway.',
    DSQL_DOCS.createIndex,
  ),
  'index-using-btree': rule(
    'fixed',
    'USING btree removed',
    "DSQL's indexes take no USING clause; the default is the same ordered index.",
    DSQL_DOCS.createIndex,
  ),
  'index-using-hash': rule(
    'advisory',
    'USING hash removed',
    'DSQL has one index method; its ordered index serves the same equality lookups.',
    DSQL_DOCS.createIndex,
  ),
  'index-method-unsupported': rule(
    'error',
    'reported',
    'DSQL has no GIN, GiST, SP-GiST or BRIN indexes.',
    DSQL_DOCS.createIndex,
  ),
  'index-asc-removed': rule(
    'fixed',
    'ASC removed from index keys',
    'DSQL refuses a sort order on index keys; ascending is the order anyway.',
    DSQL_DOCS.createIndex,
  ),
  'index-desc-removed': rule(
    'advisory',
    'DESC removed from index keys',
    'DSQL refuses a sort order on index keys; a query that sorts one key up and another down may sort in memory.',
    DSQL_DOCS.createIndex,
  ),
  'index-opclass-removed': rule(
    'advisory',
    'operator class removed from index keys',
    "DSQL's index syntax takes no operator class; the key uses its type's default.",
    DSQL_DOCS.createIndex,
  ),
  'index-collation-removed': rule(
    'advisory',
    'COLLATE removed from index keys',
    'DSQL uses the C collation only.',
    DSQL_DOCS.createIndex,
  ),
  'index-storage-options': rule(
    'advisory',
    'WITH (...) and TABLESPACE removed from CREATE INDEX',
    'DSQL manages index storage itself.',
    DSQL_DOCS.createIndex,
  ),
  'index-too-many-keys': rule(
    'error',
    'reported',
    'DSQL allows at most 8 key columns in an index.',
    DSQL_DOCS.quotas,
  ),
  'fold-into-create-table': rule(
    'fixed',
    "ADD COLUMN / ADD CONSTRAINT merged into the new table's CREATE TABLE",
    'The table is created in the same migration, so it is empty: the column or constraint holds from the start, with no separate DDL or async validation.',
    DSQL_DOCS.createTable,
  ),
  'unique-constraint-to-index': rule(
    'fixed',
    'ADD CONSTRAINT ... UNIQUE becomes CREATE UNIQUE INDEX ASYNC, then ADD CONSTRAINT ... UNIQUE USING INDEX',
    'DSQL builds the unique index asynchronously; the constraint is then made on it under the same name.',
    DSQL_DOCS.alterTable,
  ),
  'constraint-not-valid': rule(
    'fixed',
    'ADD CONSTRAINT ... FOREIGN KEY / CHECK becomes ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ASYNC ... VALIDATE CONSTRAINT',
    'DSQL adds foreign keys and checks to existing tables only as NOT VALID, and validates existing rows in an async job that apply waits for.',
    DSQL_DOCS.foreignKeys,
  ),
  'validate-async': rule(
    'fixed',
    'VALIDATE CONSTRAINT becomes ALTER TABLE ASYNC ... VALIDATE CONSTRAINT',
    'DSQL validates constraints only in an async job.',
    DSQL_DOCS.alterTable,
  ),
  'add-primary-key': rule(
    'error',
    'reported',
    'DSQL sets a primary key only in CREATE TABLE.',
    DSQL_DOCS.alterTable,
  ),
  'unsupported-constraint': rule(
    'error',
    'reported',
    'DSQL has no exclusion constraints and no deferrable unique constraints.',
    DSQL_DOCS.unsupported,
  ),
  'serial-to-identity': rule(
    'advisory',
    'serial / smallserial become bigint GENERATED BY DEFAULT AS IDENTITY (CACHE n)',
    'DSQL has no serial types and its identity columns must be bigint, so the column widens: node-postgres returns bigint as a string.',
    DSQL_DOCS.sequences,
  ),
  'bigserial-to-identity': rule(
    'fixed',
    'bigserial becomes bigint GENERATED BY DEFAULT AS IDENTITY (CACHE n)',
    'DSQL has no serial types; an identity column with an explicit CACHE does the same job.',
    DSQL_DOCS.sequences,
  ),
  'identity-cache': rule(
    'fixed',
    'CACHE n added to identity columns and sequences',
    'DSQL requires an explicit CACHE of 1 or at least 65536.',
    DSQL_DOCS.sequences,
  ),
  'identity-cache-invalid': rule(
    'advisory',
    'a CACHE other than 1 or >= 65536 replaced by CACHE n',
    'DSQL takes only CACHE 1 or CACHE >= 65536; a large cache hands out values out of order across sessions.',
    DSQL_DOCS.sequences,
  ),
  'identity-type-widened': rule(
    'advisory',
    'smallint / integer identity columns and sequences become bigint',
    'DSQL identity columns and sequences must be bigint; node-postgres returns bigint as a string.',
    DSQL_DOCS.sequences,
  ),
  'uuid-generate-v4': rule(
    'fixed',
    'uuid_generate_v4() becomes gen_random_uuid()',
    'uuid_generate_v4 comes from the uuid-ossp extension, which DSQL lacks; gen_random_uuid() makes the same random (version 4) UUIDs.',
    DSQL_DOCS.unsupported,
  ),
  'uuid-extension-function': rule(
    'error',
    'reported',
    "uuid-ossp's other generators do not exist on DSQL.",
    DSQL_DOCS.unsupported,
  ),
  'text-search': rule(
    'error',
    'reported',
    'DSQL has no text search configurations, so to_tsvector and its kin fail.',
    DSQL_DOCS.unsupported,
  ),
  'unsupported-type': rule(
    'error',
    'reported',
    'DSQL cannot store arrays, money, xml, network, geometric, range or text-search types.',
    DSQL_DOCS.dataTypes,
  ),
  'enum-type': rule(
    'error',
    'reported',
    'DSQL has no enum types (CREATE TYPE and ALTER TYPE are refused).',
    DSQL_DOCS.unsupported,
  ),
  'column-collation': rule(
    'advisory',
    'COLLATE removed from columns',
    'DSQL uses the C collation only and refuses COLLATE in CREATE TABLE.',
    DSQL_DOCS.unsupported,
  ),
  'add-column-default': rule(
    'advisory',
    'ADD COLUMN ... DEFAULT becomes ADD COLUMN, then ALTER COLUMN ... SET DEFAULT',
    'DSQL adds a column only with its name and type; existing rows get NULL instead of the default.',
    DSQL_DOCS.alterTable,
  ),
  'add-column-constraint': rule(
    'fixed',
    'NULL removed from ADD COLUMN; its UNIQUE, REFERENCES and CHECK become statements of their own (reported by unique-constraint-to-index and constraint-not-valid)',
    'DSQL adds a column only with its name and type; its constraints follow as DSQL adds them to existing tables.',
    DSQL_DOCS.alterTable,
  ),
  'add-column-identity': rule(
    'error',
    'reported',
    'PostgreSQL makes a column an identity only once it is NOT NULL, which DSQL cannot add to an existing column.',
    DSQL_DOCS.alterTable,
  ),
  'add-column-not-null': rule(
    'error',
    'reported',
    'DSQL adds a column only with its name and type and cannot make an existing column NOT NULL.',
    DSQL_DOCS.alterTable,
  ),
  'add-column-generated': rule(
    'error',
    'reported',
    'DSQL adds a column only with its name and type; a generated column must be in CREATE TABLE.',
    DSQL_DOCS.alterTable,
  ),
  'alter-column-type': rule('error', 'reported', "DSQL cannot change a column's type.", DSQL_DOCS.alterTable),
  'set-not-null': rule(
    'error',
    'reported',
    'DSQL cannot make an existing column NOT NULL.',
    DSQL_DOCS.alterTable,
  ),
  'alter-table-unsupported': rule(
    'error',
    'reported',
    'DSQL refuses this form of ALTER TABLE.',
    DSQL_DOCS.alterTable,
  ),
  'temporary-table': rule('error', 'reported', 'DSQL has no temporary tables.', DSQL_DOCS.unsupported),
  'unlogged-table': rule(
    'advisory',
    'UNLOGGED removed',
    'DSQL tables are always durable and replicated.',
    DSQL_DOCS.unsupported,
  ),
  'table-inheritance': rule(
    'error',
    'reported',
    'DSQL has no table inheritance or partitions.',
    DSQL_DOCS.unsupported,
  ),
  'table-storage-options': rule(
    'advisory',
    'WITH (...), TABLESPACE and ON COMMIT removed from CREATE TABLE',
    'DSQL manages table storage itself.',
    DSQL_DOCS.createTable,
  ),
  'too-many-columns': rule(
    'error',
    'reported',
    'DSQL allows at most 255 columns in a table.',
    DSQL_DOCS.quotas,
  ),
  'create-table-as': rule(
    'error',
    'reported',
    'DSQL refuses CREATE TABLE AS, SELECT INTO and materialized views.',
    DSQL_DOCS.unsupported,
  ),
  truncate: rule('error', 'reported', 'DSQL refuses TRUNCATE.', DSQL_DOCS.unsupported),
  trigger: rule('error', 'reported', 'DSQL has no triggers.', DSQL_DOCS.unsupported),
  'function-language': rule(
    'error',
    'reported',
    'DSQL runs functions written in SQL only: no PL/pgSQL, no DO blocks, no procedures.',
    DSQL_DOCS.unsupported,
  ),
  'unsupported-statement': rule('error', 'reported', 'DSQL refuses this statement.', DSQL_DOCS.unsupported),
  'print-check': rule(
    'error',
    'statement kept as written',
    'The rewritten statement did not print back to the same parse tree, so it is not used.',
    DSQL_DOCS.supportedSql,
  ),
} as const satisfies Record<string, RuleInfo>

/** A rule's name, e.g. `index-async`. */
export type RuleName = keyof typeof RULES

/** Every rule name, in catalog order. */
export const RULE_NAMES = Object.keys(RULES) as RuleName[]
