import type { ClientUnit } from '../wire/index.js'
import { classifyStatement } from './statement-kind.js'

/** Whether the unit's last statement is COMMIT (or END). */
export function isCommitUnit(unit: ClientUnit): boolean {
  const last = unit.statements[unit.statements.length - 1]
  return last !== undefined && classifyStatement(last) === 'commit'
}

/** Whether the unit runs a write or DDL statement (which commits at once outside a transaction). */
export function isWriteUnit(unit: ClientUnit): boolean {
  return unit.statements.some((sql) => {
    const kind = classifyStatement(sql)
    return kind === 'write' || kind === 'ddl'
  })
}
