import { fieldsOf, nodeType, type SqlNode, type SqlParser } from '../../sql/index.js'
import { CatalogReader, type Queryable } from './catalog-reader.js'
import { CatalogText } from './catalog-text.js'
import { namesOf } from './normal-form.js'
import { applied, drift, notApplied, type Recognition, rerun } from './recognition.js'
import { recognizeAlterTable } from './recognize-alter-table.js'
import { recognizeIndex } from './recognize-index.js'
import { recognizeCreateTable, relationName } from './recognize-table.js'

type Fields = Record<string, unknown>

// Statements whose effect the catalog does not show, or shows only in part; running them again
// leaves the same result.
const RERUN: Record<string, string> = {
  CommentStmt: 'COMMENT sets the same text again',
  GrantStmt: 'GRANT and REVOKE give the same rights again',
  GrantRoleStmt: 'GRANT and REVOKE give the same roles again',
  AlterDefaultPrivilegesStmt: 'default privileges are set again',
}

const RELATION_KINDS: Record<string, readonly string[]> = {
  OBJECT_TABLE: ['r', 'p'],
  OBJECT_INDEX: ['i', 'I'],
  OBJECT_VIEW: ['v'],
  OBJECT_MATVIEW: ['m'],
  OBJECT_SEQUENCE: ['S'],
}

/**
 * Tells, from the catalog, whether a statement is applied: the question a run asks about the
 * statement a previous run stopped at (its intent recorded, its outcome not). Reads only.
 */
export class StatementRecognizer {
  readonly #parser: SqlParser
  readonly #catalog: CatalogReader
  readonly #text: CatalogText

  constructor(parser: SqlParser, db: Queryable) {
    this.#parser = parser
    this.#catalog = new CatalogReader(db)
    this.#text = new CatalogText(parser)
  }

  async recognize(sql: string): Promise<Recognition> {
    const parsed = this.#parser.parse(sql)
    if (parsed.length !== 1) return rerun('not one statement')
    const node = (parsed[0] as { node: SqlNode }).node
    const type = nodeType(node)
    const fields = fieldsOf(node)
    switch (type) {
      case 'CreateStmt':
        return recognizeCreateTable(fields, this.#catalog, this.#text)
      case 'IndexStmt':
        return recognizeIndex(fields, this.#catalog, this.#text)
      case 'AlterTableStmt':
        return fields.objtype === 'OBJECT_TABLE'
          ? recognizeAlterTable(fields, this.#catalog, this.#text)
          : rerun(`ALTER ${String(fields.objtype).replace('OBJECT_', '')} is not read from the catalog`)
      case 'RenameStmt':
        return this.#rename(fields)
      case 'DropStmt':
        return this.#drop(fields)
      case 'CreateSchemaStmt':
        return this.#exists(
          await this.#catalog.schemaExists(String(fields.schemaname)),
          `schema ${fields.schemaname}`,
        )
      case 'CreateSeqStmt':
        return this.#relationExists(fields.sequence, ['S'])
      case 'ViewStmt':
        return fields.replace === true
          ? rerun('CREATE OR REPLACE VIEW')
          : this.#relationExists(fields.view, ['v'])
      case 'CreateDomainStmt': {
        const names = namesOf(fields.domainname)
        const name = names[names.length - 1] ?? ''
        const schema = names.length > 1 ? names[0] : undefined
        return this.#exists(await this.#catalog.typeExists(schema, name), `domain ${name}`)
      }
      default:
        return rerun(RERUN[type] ?? `${type} is not read from the catalog`)
    }
  }

  #exists(present: boolean, what: string): Recognition {
    return present ? applied(`${what} exists`) : notApplied(`${what} does not exist`)
  }

  async #relationExists(relation: unknown, kinds: readonly string[]): Promise<Recognition> {
    const { schema, name } = relationName(relation)
    const found = await this.#catalog.relation(schema, name)
    if (found === undefined) return notApplied(`${name} does not exist`)
    return kinds.includes(found.kind)
      ? applied(`${name} exists`)
      : drift(`${name} exists with another kind (relkind ${found.kind})`)
  }

  async #rename(fields: Fields): Promise<Recognition> {
    const from = String(fields.subname ?? '')
    const to = String(fields.newname ?? '')
    const table = relationName(fields.relation)
    let before: boolean
    let after: boolean
    switch (fields.renameType) {
      case 'OBJECT_COLUMN':
      case 'OBJECT_TABCONSTRAINT': {
        const found = await this.#catalog.relation(table.schema, table.name)
        if (found === undefined) return drift(`table ${table.name} does not exist`)
        const names =
          fields.renameType === 'OBJECT_COLUMN'
            ? (await this.#catalog.columns(found.oid)).map((c) => c.name)
            : (await this.#catalog.constraints(found.oid)).map((c) => c.name)
        before = names.includes(from)
        after = names.includes(to)
        return renamed(before, after, `${table.name}.${from}`, `${table.name}.${to}`)
      }
      case 'OBJECT_TABLE':
      case 'OBJECT_INDEX':
      case 'OBJECT_VIEW':
      case 'OBJECT_SEQUENCE':
        before = (await this.#catalog.relation(table.schema, table.name)) !== undefined
        after = (await this.#catalog.relation(table.schema, to)) !== undefined
        return renamed(before, after, table.name, to)
      case 'OBJECT_SCHEMA':
        before = await this.#catalog.schemaExists(from)
        after = await this.#catalog.schemaExists(to)
        return renamed(before, after, from, to)
      default:
        return rerun(
          `renaming ${String(fields.renameType).replace('OBJECT_', '')} is not read from the catalog`,
        )
    }
  }

  async #drop(fields: Fields): Promise<Recognition> {
    const kind = String(fields.removeType)
    const objects = Array.isArray(fields.objects) ? (fields.objects as SqlNode[]) : []
    const present: boolean[] = []
    for (const object of objects) {
      const names = nodeType(object) === 'List' ? namesOf(fieldsOf(object).items) : namesOf([object])
      const name = names[names.length - 1] ?? ''
      const schema = names.length > 1 ? names[names.length - 2] : undefined
      if (RELATION_KINDS[kind] !== undefined)
        present.push((await this.#catalog.relation(schema, name)) !== undefined)
      else if (kind === 'OBJECT_SCHEMA') present.push(await this.#catalog.schemaExists(name))
      else if (kind === 'OBJECT_DOMAIN' || kind === 'OBJECT_TYPE') {
        const typeNames = namesOf(fieldsOf(object).names)
        const typeName = typeNames[typeNames.length - 1] ?? ''
        present.push(
          await this.#catalog.typeExists(typeNames.length > 1 ? typeNames[0] : undefined, typeName),
        )
      } else return rerun(`DROP ${kind.replace('OBJECT_', '')} is not read from the catalog`)
    }
    if (present.every((p) => !p)) return applied('every object it drops is gone')
    if (present.every((p) => p) || fields.missing_ok === true)
      return notApplied('what it drops is still there')
    return drift('some of the objects it drops are gone and some are not')
  }
}

function renamed(before: boolean, after: boolean, from: string, to: string): Recognition {
  if (!before && after) return applied(`${from} is now ${to}`)
  if (before && !after) return notApplied(`${from} is not yet renamed`)
  return drift(before ? `both ${from} and ${to} exist` : `neither ${from} nor ${to} exists`)
}
