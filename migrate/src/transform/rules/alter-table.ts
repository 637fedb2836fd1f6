import {
  cloneNode,
  displayName,
  displayRelation,
  fieldsIf,
  listOf,
  type ParsedStatement,
  relationName,
  type SqlFields,
  type SqlNode,
} from '../../sql/index.js'
import type { Draft, RewriteContext } from '../rewrite-context.js'
import { type CommandRewrite, rewriteAddColumn, type TextEdit } from './add-column.js'
import { type AlteredTable, rewriteAddedConstraint } from './add-constraint.js'
import { alterTable, validateConstraint } from './alter-statements.js'
import { withValidCache } from './identity-options.js'

// The ALTER TABLE actions DSQL takes (its ALTER TABLE page); any other it refuses. ADD COLUMN,
// ADD CONSTRAINT, VALIDATE, ALTER COLUMN TYPE and SET NOT NULL have rules of their own below.
const SUPPORTED = new Set([
  'AT_DropColumn',
  'AT_ColumnDefault',
  'AT_DropNotNull',
  'AT_DropExpression',
  'AT_SetStorage',
  'AT_AlterConstraint',
  'AT_DropConstraint',
  'AT_ChangeOwner',
  'AT_DropIdentity',
])

/** How an action DSQL refuses reads in SQL, for the message. */
function actionWords(subtype: string): string {
  const words: Readonly<Record<string, string>> = {
    AT_EnableTrig: 'ENABLE TRIGGER',
    AT_DisableTrig: 'DISABLE TRIGGER',
    AT_EnableTrigAll: 'ENABLE TRIGGER ALL',
    AT_DisableTrigAll: 'DISABLE TRIGGER ALL',
    AT_AddInherit: 'INHERIT',
    AT_DropInherit: 'NO INHERIT',
    AT_AttachPartition: 'ATTACH PARTITION',
    AT_DetachPartition: 'DETACH PARTITION',
    AT_SetTableSpace: 'SET TABLESPACE',
    AT_SetLogged: 'SET LOGGED',
    AT_SetUnLogged: 'SET UNLOGGED',
    AT_SetRelOptions: 'SET (...)',
    AT_ResetRelOptions: 'RESET (...)',
    AT_SetStatistics: 'ALTER COLUMN ... SET STATISTICS',
    AT_SetOptions: 'ALTER COLUMN ... SET (...)',
    AT_EnableRowSecurity: 'ENABLE ROW LEVEL SECURITY',
    AT_DisableRowSecurity: 'DISABLE ROW LEVEL SECURITY',
    AT_ReplicaIdentity: 'REPLICA IDENTITY',
    AT_ClusterOn: 'CLUSTER ON',
  }
  return (
    words[subtype] ??
    subtype
      .replace(/^AT_/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toUpperCase()
  )
}

const TYPE_CHANGE_HINT =
  'Add a column of the new type, copy the values in batches of at most 3,000 rows, drop the old column and rename the new one; or create a new table and copy the rows into it.'

/**
 * ALTER TABLE in DSQL's terms, command by command. Commands DSQL takes stay together in one
 * ALTER TABLE; a command that needs statements of its own ends the group, and the commands after
 * it start a new one, so everything still runs in the order written.
 */
export function rewriteAlterTable(
  statement: ParsedStatement,
  node: SqlNode,
  context: RewriteContext,
): Draft[] {
  const fields = node.AlterTableStmt as SqlFields
  if (fields.objtype !== 'OBJECT_TABLE')
    return [{ node, async: statement.async !== undefined, text: statement.text, verbatim: true }]
  const relation = relationName(fields.relation as SqlFields)
  const table: AlteredTable = { statement: fields, name: relation.name, display: displayRelation(relation) }
  const asyncForm = statement.async === 'alter-table'
  const rewrites = listOf(fields.cmds).map((item) =>
    rewriteCommand(table, item as SqlNode, asyncForm, context),
  )
  if (!rewrites.some((rewrite) => rewrite.changed)) {
    return [{ node, async: asyncForm, text: statement.text, verbatim: true }]
  }
  const edited = editedText(statement, rewrites)
  if (edited !== undefined) {
    return [
      {
        node: alterTable(
          fields,
          rewrites.map((rewrite) => rewrite.command as SqlNode),
        ),
        async: asyncForm,
        text: edited,
      },
    ]
  }
  const drafts: Draft[] = []
  let group: SqlNode[] = []
  const flush = () => {
    if (group.length > 0) drafts.push({ node: alterTable(fields, group), async: false })
    group = []
  }
  for (const rewrite of rewrites) {
    if (rewrite.command !== undefined) group.push(rewrite.command)
    if (rewrite.after.length > 0) {
      flush()
      drafts.push(...rewrite.after)
    }
  }
  flush()
  return drafts
}

function rewriteCommand(
  table: AlteredTable,
  item: SqlNode,
  asyncForm: boolean,
  context: RewriteContext,
): CommandRewrite {
  const command = fieldsIf(item, 'AlterTableCmd')
  const kept: CommandRewrite = { command: item, after: [], changed: false }
  if (command === undefined) return kept
  const column = typeof command.name === 'string' ? displayName(command.name) : ''
  switch (command.subtype) {
    case 'AT_AddColumn':
      return rewriteAddColumn(table, command, context)
    case 'AT_AddConstraint': {
      const constraint = fieldsIf(command.def, 'Constraint')
      const drafts = constraint === undefined ? undefined : rewriteAddedConstraint(table, constraint, context)
      return drafts === undefined ? kept : { after: drafts, changed: true }
    }
    case 'AT_ValidateConstraint':
      if (asyncForm) return kept
      context.report({
        rule: 'validate-async',
        message: `VALIDATE CONSTRAINT ${String(command.name)} on ${table.display} becomes ALTER TABLE ASYNC ... VALIDATE CONSTRAINT.`,
        hint: 'apply waits for the validation job, and fails the migration if a row breaks the constraint.',
      })
      return {
        after: [
          { node: alterTable(table.statement, [validateConstraint(String(command.name))]), async: true },
        ],
        changed: true,
      }
    case 'AT_AlterColumnType':
      context.report({
        rule: 'alter-column-type',
        message: `ALTER COLUMN ${column} TYPE on ${table.display}: DSQL cannot change a column's type (ORMs emit this even when the type is unchanged; then remove it).`,
        hint: TYPE_CHANGE_HINT,
      })
      return kept
    case 'AT_SetNotNull':
      context.report({
        rule: 'set-not-null',
        message: `ALTER COLUMN ${column} SET NOT NULL on ${table.display}: DSQL cannot make an existing column NOT NULL.`,
        hint: 'Keep the column nullable and check in the application, or add CHECK (col IS NOT NULL) NOT VALID and validate it once no row holds NULL.',
      })
      return kept
    case 'AT_AddIdentity':
    case 'AT_SetIdentity':
      return rewriteIdentityCommand(table, command, column, context)
    default:
      if (SUPPORTED.has(String(command.subtype))) return kept
      context.report({
        rule: 'alter-table-unsupported',
        message: `ALTER TABLE ${table.display} ${actionWords(String(command.subtype))}: DSQL does not take this form of ALTER TABLE.`,
        hint: 'Remove it: DSQL has no triggers, inheritance, partitions, tablespaces, storage parameters or row-level security, and its tables are always logged.',
      })
      return kept
  }
}

/** `ADD GENERATED ... AS IDENTITY` and `SET CACHE ...` with a CACHE DSQL takes. */
function rewriteIdentityCommand(
  table: AlteredTable,
  command: SqlFields,
  column: string,
  context: RewriteContext,
): CommandRewrite {
  const what = `Identity column ${column} of ${table.display}`
  const copy = cloneNode(command)
  if (command.subtype === 'AT_AddIdentity') {
    const constraint = fieldsIf(copy.def, 'Constraint') as SqlFields
    const options = withValidCache(constraint.options, what, context)
    if (options === undefined) return { command: { AlterTableCmd: command }, after: [], changed: false }
    constraint.options = options
    return { command: { AlterTableCmd: copy }, after: [], changed: true }
  }
  // SET sequence options: only a CACHE written here needs to be one DSQL takes.
  const written = listOf(copy.def).some((item) => fieldsIf(item, 'DefElem')?.defname === 'cache')
  const options = written ? withValidCache(copy.def, what, context) : undefined
  if (options === undefined) return { command: { AlterTableCmd: command }, after: [], changed: false }
  copy.def = { List: { items: options } }
  // The deparser prints SET CACHE as `SET cache = n`, which PostgreSQL cannot parse: edit the text.
  const cache = listOf(command.def).find((item) => fieldsIf(item, 'DefElem')?.defname === 'cache')
  const edit = {
    at: fieldsIf(cache, 'DefElem')?.location,
    pattern: /^CACHE\s+\d+/i,
    replacement: `CACHE ${context.identityCache}`,
  }
  return { command: { AlterTableCmd: copy }, after: [], changed: true, edit }
}

/**
 * The statement's text with each command's edit made, when every change is such an edit (no
 * command split off or replaced); `undefined` otherwise. Edits run from the end of the text so
 * earlier offsets stay put.
 */
function editedText(statement: ParsedStatement, rewrites: readonly CommandRewrite[]): string | undefined {
  const changed = rewrites.filter((rewrite) => rewrite.changed)
  if (changed.some((rewrite) => rewrite.edit === undefined || rewrite.after.length > 0)) return undefined
  let text = statement.text
  const edits = changed
    .map((rewrite) => rewrite.edit as TextEdit)
    .map((edit) => ({ ...edit, offset: statement.locationOf(edit.at).offset - statement.location.offset }))
    .sort((a, b) => b.offset - a.offset)
  for (const edit of edits) {
    const match = edit.pattern.exec(text.slice(edit.offset))
    if (match === null || edit.offset <= 0) return undefined
    text = `${text.slice(0, edit.offset)}${edit.replacement}${text.slice(edit.offset + match[0].length)}`
  }
  return text
}
