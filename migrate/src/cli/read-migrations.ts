import type { Dirent } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { MigrationSourceError, readDrizzleMigrations } from '../adapters/drizzle.js'
import { readPrismaMigrations } from '../adapters/prisma.js'
import { CliUsageError } from './exit-codes.js'

/** A migration the command read, and where from (named in locations). */
export interface SourcedMigration {
  readonly id: string
  readonly sql: string
  /** The file it came from, or `<stdin>` (or `--source`). */
  readonly source: string
}

/**
 * The migrations at `paths`, in the order given:
 * - a file is one migration, its id the file's name;
 * - a folder is a `drizzle-kit generate` folder (it holds `meta/_journal.json`), a Prisma
 *   `migrations` folder (`<name>/migration.sql`), or else its `*.sql` files in name order;
 * - `-` (or no path at all, where `stdin` is given) is standard input, named `stdinName`.
 */
export async function readMigrations(
  paths: readonly string[],
  stdin: (() => Promise<string>) | undefined,
  stdinName: string,
): Promise<SourcedMigration[]> {
  const wanted = paths.length === 0 && stdin !== undefined ? ['-'] : paths
  if (wanted.length === 0) {
    throw new CliUsageError('Pass the migration files or folders to read, or pipe SQL to standard input.')
  }
  const migrations: SourcedMigration[] = []
  for (const path of wanted) {
    if (path === '-') {
      if (stdin === undefined) {
        throw new CliUsageError(
          'Standard input (-) holds no migration id the journal could keep: pass the migration files or folders.',
        )
      }
      migrations.push({ id: stdinName, sql: await stdin(), source: stdinName })
    } else migrations.push(...(await readPath(path)))
  }
  const seen = new Set<string>()
  for (const migration of migrations) {
    if (seen.has(migration.id)) {
      throw new CliUsageError(
        `Two migrations are named "${migration.id}" (the journal keys progress by name): pass each once.`,
      )
    }
    seen.add(migration.id)
  }
  return migrations
}

async function readPath(path: string): Promise<SourcedMigration[]> {
  const found = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new CliUsageError(
      `${path} cannot be read (${error.code ?? error.message}): pass a .sql file or a folder.`,
    )
  })
  if (!found.isDirectory()) return [{ id: basename(path), sql: await readFile(path, 'utf8'), source: path }]
  const entries = await readdir(path, { withFileTypes: true })
  const named = (migrations: { id: string; sql: string }[], file: (id: string) => string) =>
    migrations.map((m) => ({ id: m.id, sql: m.sql, source: file(m.id) }))
  try {
    if (await isFile(join(path, 'meta', '_journal.json'))) {
      return named(await readDrizzleMigrations(path), (id) => join(path, `${id}.sql`))
    }
    if (await hasPrismaFolders(path, entries)) {
      return named(await readPrismaMigrations(path), (id) => join(path, id, 'migration.sql'))
    }
  } catch (error) {
    if (error instanceof MigrationSourceError) throw new CliUsageError(error.message)
    throw error
  }
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.sql'))
    .map((entry) => entry.name)
    .sort()
  if (files.length === 0) {
    throw new CliUsageError(
      `${path} holds no migrations: no .sql files, no <name>/migration.sql folders (Prisma), no meta/_journal.json (drizzle-kit).`,
    )
  }
  return Promise.all(
    files.map(async (name) => ({
      id: name,
      sql: await readFile(join(path, name), 'utf8'),
      source: join(path, name),
    })),
  )
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() === true
}

async function hasPrismaFolders(path: string, entries: readonly Dirent[]): Promise<boolean> {
  for (const entry of entries) {
    if (entry.isDirectory() && (await isFile(join(path, entry.name, 'migration.sql')))) return true
  }
  return false
}

/** Reads a stream to its end as UTF-8. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}
