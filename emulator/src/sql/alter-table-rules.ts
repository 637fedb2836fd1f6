import type { ErrorFields } from '../wire/index.js'
import { columnRefusal, identityRefusal, refused } from './column-rules.js'
import type { EmulatorProfile } from './dialect-profile.js'
import { fieldsOf, listOf } from './sql-tree.js'

/**
 * `ALTER TABLE` actions DSQL runs (User Guide "ALTER TABLE", supported syntax): ADD and DROP
 * COLUMN, SET / DROP DEFAULT, DROP NOT NULL, DROP EXPRESSION, the identity forms, SET STORAGE,
 * ALTER CONSTRAINT, ADD constraint (CHECK and FOREIGN KEY `NOT VALID`, UNIQUE USING INDEX),
 * DROP CONSTRAINT, OWNER TO, and `ALTER TABLE ASYNC ... VALIDATE CONSTRAINT`. RENAME and SET
 * SCHEMA are statements of their own (`RenameStmt`, `AlterObjectSchemaStmt`).
 */
const SUPPORTED_ACTIONS = new Set([
  'AT_AddColumn',
  'AT_DropColumn',
  'AT_ColumnDefault',
  'AT_DropNotNull',
  'AT_DropExpression',
  'AT_AddIdentity',
  'AT_SetIdentity',
  'AT_DropIdentity',
  'AT_SetStorage',
  'AT_AlterConstraint',
  'AT_AddConstraint',
  'AT_DropConstraint',
  'AT_ChangeOwner',
  'AT_ValidateConstraint',
])

/** What profile `late-2025` refuses on top (release notes 2026-08-03, 2026-08-26; 2026-05-13 for STORAGE). */
const NEWER_ACTIONS = new Set([
  'AT_DropColumn',
  'AT_AlterConstraint',
  'AT_SetStorage',
  'AT_AddIdentity',
  'AT_SetIdentity',
  'AT_DropIdentity',
])

// Texts observed on a cluster (2026-09-16/18) where noted; the rest chosen in DSQL's style.
const ADD_CONSTRAINT = 'unsupported ALTER TABLE ADD CONSTRAINT statement' // observed
const VALIDATE = 'unsupported ALTER TABLE VALIDATE CONSTRAINT statement' // observed
const SET_DATA_TYPE = 'unsupported ALTER TABLE ALTER COLUMN ... SET DATA TYPE statement' // observed
const SET_NOT_NULL = 'unsupported ALTER TABLE ALTER COLUMN ... SET NOT NULL statement'
const DROP_COLUMN = 'unsupported ALTER TABLE DROP COLUMN statement'
const OTHER_ACTION = 'unsupported ALTER TABLE statement'

/** `ADD CONSTRAINT`: CHECK and FOREIGN KEY only `NOT VALID`, UNIQUE only `USING INDEX`. */
function addConstraintRefusal(def: unknown, profile: EmulatorProfile): ErrorFields | undefined {
  if (profile === 'late-2025') return refused(ADD_CONSTRAINT)
  const constraint = fieldsOf(def, 'Constraint') ?? {}
  switch (constraint.contype) {
    case 'CONSTR_CHECK':
    case 'CONSTR_FOREIGN':
      return constraint.skip_validation === true ? undefined : refused(ADD_CONSTRAINT)
    case 'CONSTR_UNIQUE':
      return typeof constraint.indexname === 'string' ? undefined : refused(ADD_CONSTRAINT)
    default:
      return refused(ADD_CONSTRAINT)
  }
}

function actionRefusal(
  command: Record<string, unknown>,
  profile: EmulatorProfile,
  isAsync: boolean,
): ErrorFields | undefined {
  const subtype = String(command.subtype)
  switch (subtype) {
    case 'AT_AlterColumnType':
      return refused(SET_DATA_TYPE)
    case 'AT_SetNotNull':
      return refused(SET_NOT_NULL)
    case 'AT_ValidateConstraint':
      return isAsync && profile === '2026' ? undefined : refused(VALIDATE)
    case 'AT_AddConstraint':
      return addConstraintRefusal(command.def, profile)
    case 'AT_AddColumn': {
      const column = fieldsOf(command.def, 'ColumnDef')
      return column === undefined ? undefined : columnRefusal(column, profile, true)
    }
  }
  if (!SUPPORTED_ACTIONS.has(subtype)) return refused(OTHER_ACTION)
  if (profile === 'late-2025' && NEWER_ACTIONS.has(subtype)) {
    if (subtype === 'AT_DropColumn') return refused(DROP_COLUMN)
    if (subtype.endsWith('Identity')) return refused('unsupported constraint: IDENTITY')
    return refused(OTHER_ACTION)
  }
  if (subtype === 'AT_AddIdentity') {
    // The column's type is in the catalog: `catalogCheck` refuses one that is not bigint.
    return identityRefusal(fieldsOf(command.def, 'Constraint') ?? {}, undefined, profile)
  }
  return undefined
}

/** The word after `ALTER TABLE [IF EXISTS] [ONLY] name [*]`, where DSQL's grammar wants VALIDATE. */
function wordAfterTable(text: string): string {
  const name = String.raw`(?:"(?:[^"]|"")*"|[\w$]+)`
  const head = new RegExp(
    String.raw`^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${name}(?:\s*\.\s*${name})?\s*\*?\s*([^\s]+)`,
    'i',
  )
  return head.exec(text)?.[1]?.replace(/^([A-Za-z_]+).*$/, '$1') ?? 'ASYNC'
}

/**
 * DSQL's refusal of an `ALTER TABLE` (tables only: ALTER VIEW, INDEX and SEQUENCE share the
 * node). `isAsync`: written `ALTER TABLE ASYNC`, whose only form is one VALIDATE CONSTRAINT; any
 * other action there is a syntax error. Catalog-dependent rules (primary-key columns, identity
 * on a non-bigint column) are `catalogCheck`'s. Pure.
 */
export function alterTableRefusal(
  fields: Record<string, unknown>,
  profile: EmulatorProfile,
  isAsync: boolean,
  text: string,
): ErrorFields | undefined {
  const commands = listOf(fields.cmds).map((item) => fieldsOf(item, 'AlterTableCmd') ?? {})
  if (isAsync) {
    const validates = commands.length === 1 && commands[0]?.subtype === 'AT_ValidateConstraint'
    if (!validates) return refused(`syntax error at or near "${wordAfterTable(text)}"`, '42601')
  }
  if (fields.objtype === 'OBJECT_TYPE') return refused('ALTER TYPE not supported')
  if (fields.objtype === 'OBJECT_MATVIEW' || fields.objtype === 'OBJECT_FOREIGN_TABLE') {
    return refused('unsupported object in ALTER statement')
  }
  if (fields.objtype !== 'OBJECT_TABLE') return undefined
  for (const command of commands) {
    const refusal = actionRefusal(command, profile, isAsync)
    if (refusal !== undefined) return refusal
  }
  return undefined
}
