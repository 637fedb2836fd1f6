import type { ErrorFields } from '../wire/index.js'
import { refused } from './column-rules.js'
import { quoteIdent } from './shadow-statement.js'
import type { SqlNode } from './sql-parser.js'
import { fieldsOf, listOf } from './sql-tree.js'

/** Rules that need the catalog: a query for the backend, and how to read its rows. */
export interface CatalogCheck {
  /** One query; each row it returns is a violation: `[rule, name]`. */
  readonly sql: string
  /** The refusal for the query's rows; `undefined` when it returned none. */
  refusal(rows: readonly (readonly (string | null)[])[]): ErrorFields | undefined
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** The rules' texts: observed (2026-09-18) for primary-key columns and the identity type. */
const REFUSALS: Readonly<Record<string, (name: string) => ErrorFields>> = {
  'primary-key-column': (name) => refused(`cannot drop primary key column ${name}`),
  // Chosen: DSQL refuses it (observed 2026-10) with a text no source quotes.
  'primary-key-constraint': (name) => refused(`cannot drop primary key constraint ${name}`),
  'identity-type': (type) => refused(`datatype ${type} not supported, identity column type must be bigint`),
}

function checksOf(node: SqlNode): string[] {
  const alter = fieldsOf(node, 'AlterTableStmt')
  if (alter === undefined || alter.objtype !== 'OBJECT_TABLE') return []
  const relation = (alter.relation ?? {}) as { relname?: string; schemaname?: string }
  const name = `${relation.schemaname === undefined ? '' : `${quoteIdent(relation.schemaname)}.`}${quoteIdent(relation.relname ?? '')}`
  // to_regclass: a table that does not exist is the backend's own error to report.
  const table = `pg_catalog.to_regclass(${literal(name)})`
  const checks: string[] = []
  for (const item of listOf(alter.cmds)) {
    const command = fieldsOf(item, 'AlterTableCmd') ?? {}
    const target = literal(String(command.name ?? ''))
    switch (command.subtype) {
      case 'AT_DropColumn':
        checks.push(`SELECT 'primary-key-column', a.attname::text FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid
           AND a.attnum = ANY ((i.indkey::pg_catalog.int2[])[0:i.indnkeyatts - 1])
          WHERE i.indrelid = ${table} AND i.indisprimary AND a.attname = ${target}`)
        break
      case 'AT_DropConstraint':
        checks.push(`SELECT 'primary-key-constraint', conname::text FROM pg_catalog.pg_constraint
          WHERE conrelid = ${table} AND contype = 'p' AND conname = ${target}`)
        break
      case 'AT_AddIdentity':
        checks.push(`SELECT 'identity-type', pg_catalog.format_type(atttypid, NULL) FROM pg_catalog.pg_attribute
          WHERE attrelid = ${table} AND attname = ${target} AND NOT attisdropped
            AND atttypid <> 'pg_catalog.int8'::pg_catalog.regtype`)
        break
    }
  }
  return checks
}

/**
 * DSQL's rules that depend on the table as it is: a primary-key column or the primary key
 * cannot be dropped (User Guide "ALTER TABLE": "Dropping of primary key columns is not
 * supported"), and an identity column must be bigint. `undefined` when no statement needs
 * the catalog. Pure; the caller runs the query on the client's own session (same snapshot,
 * same search path).
 */
export function catalogCheck(nodes: readonly (SqlNode | undefined)[]): CatalogCheck | undefined {
  const checks = nodes.flatMap((node) => (node === undefined ? [] : checksOf(node)))
  if (checks.length === 0) return undefined
  return {
    sql: checks.join('\nUNION ALL\n'),
    refusal(rows) {
      const [rule, name] = rows[0] ?? []
      if (rule === undefined || rule === null) return undefined
      return REFUSALS[rule]?.(name ?? '')
    },
  }
}
