import type { ErrorFields } from '../wire/index.js'
import type { SqlNode } from './sql-parser.js'
import { bodyOf, fieldsOf, listOf, nodeType } from './sql-tree.js'

/** DSQL's `admin` is predefined and cannot be modified (reference §1.2). */
const ADMIN = 'admin'

const ADMIN_UNCHANGEABLE: ErrorFields = Object.freeze({
  severity: 'ERROR',
  code: '42501',
  message: `permission denied to change role ${ADMIN}`,
  detail: `DSQL's ${ADMIN} role is predefined and cannot be altered, renamed or dropped.`,
})

/** Whether a `RoleSpec` names admin: by name, or as CURRENT_USER and the like in admin's session. */
function namesAdmin(spec: unknown, sessionUser: string): boolean {
  const fields = (fieldsOf(spec, 'RoleSpec') ?? spec ?? {}) as Record<string, unknown>
  if (fields.roletype === 'ROLESPEC_CSTRING') return fields.rolename === ADMIN
  return fields.roletype !== 'ROLESPEC_PUBLIC' && sessionUser === ADMIN
}

/**
 * DSQL's refusal of a statement that changes the `admin` role (`ALTER ROLE admin ...`, `ALTER
 * ROLE admin SET`, `ALTER ROLE admin RENAME`, `DROP ROLE admin`); `undefined` for any other.
 * PostgreSQL would let admin change its own password; the emulator logs in with a password of
 * its own. Pure.
 */
export function roleChangeRefusal(node: SqlNode | undefined, sessionUser: string): ErrorFields | undefined {
  if (node === undefined) return undefined
  const fields = bodyOf(node)
  switch (nodeType(node)) {
    case 'AlterRoleStmt':
    case 'AlterRoleSetStmt':
      return namesAdmin(fields.role, sessionUser) ? ADMIN_UNCHANGEABLE : undefined
    case 'DropRoleStmt':
      return listOf(fields.roles).some((spec) => namesAdmin(spec, sessionUser))
        ? ADMIN_UNCHANGEABLE
        : undefined
    case 'RenameStmt':
      return fields.renameType === 'OBJECT_ROLE' && fields.subname === ADMIN ? ADMIN_UNCHANGEABLE : undefined
    default:
      return undefined
  }
}
