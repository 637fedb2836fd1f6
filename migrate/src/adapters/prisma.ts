import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { contentId, MigrationSourceError, type OrmMigration } from './orm-migration.js'

export { MigrationSourceError, type OrmMigration } from './orm-migration.js'

/**
 * The migrations of a Prisma `migrations` folder (what `prisma migrate dev --create-only` writes):
 * one per `<timestamp>_<name>/migration.sql`, in folder-name order as `prisma migrate deploy`
 * applies them, id = the folder name. `migration_lock.toml` is checked for the provider and
 * otherwise skipped.
 *
 * @example
 *   await apply({ pool, migrations: await readPrismaMigrations('./prisma/migrations') })
 */
export async function readPrismaMigrations(folder: string): Promise<OrmMigration[]> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(folder, { withFileTypes: true })
  } catch (error) {
    throw new MigrationSourceError(
      `The Prisma migrations folder ${folder} could not be read (${(error as Error).message}). Pass the ` +
        'folder holding migration_lock.toml and the <timestamp>_<name> folders (prisma/migrations by default).',
      { cause: error },
    )
  }
  if (entries.some((entry) => entry.isFile() && entry.name === 'migration_lock.toml')) {
    const lock = await readFile(join(folder, 'migration_lock.toml'), 'utf8')
    const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lock)?.[1]
    if (provider !== undefined && provider !== 'postgresql') {
      throw new MigrationSourceError(
        `${join(folder, 'migration_lock.toml')} says provider "${provider}"; DSQL migrations are written for "postgresql".`,
      )
    }
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
  return Promise.all(
    names.map(async (name) => {
      const path = join(folder, name, 'migration.sql')
      try {
        return { id: name, sql: await readFile(path, 'utf8') }
      } catch (error) {
        throw new MigrationSourceError(
          `${path} could not be read (${(error as Error).message}). Every migration folder holds a migration.sql.`,
          { cause: error },
        )
      }
    }),
  )
}

/**
 * `prisma migrate diff --script` output as a migration, or none when the diff is empty (Prisma
 * then prints only `-- This is an empty migration.`). The id defaults to `prisma-diff-` and a hash
 * of the script; name it yourself when you keep the script in a file.
 *
 * @example
 *   // prisma migrate diff --from-config-datasource --to-schema prisma/schema.prisma --script > diff.sql
 *   await apply({ pool, migrations: prismaDiffMigration(await readFile('diff.sql', 'utf8')) })
 */
export function prismaDiffMigration(script: string, options: { id?: string } = {}): OrmMigration[] {
  const onlyComments = /^(?:\s|--[^\n]*(?:\n|$))*$/.test(script)
  return onlyComments ? [] : [{ id: options.id ?? contentId('prisma-diff', script), sql: script }]
}
