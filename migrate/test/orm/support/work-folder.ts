import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

/** The repository's root: its node_modules holds the ORMs and their command-line tools. */
export const repositoryRoot = resolve(import.meta.dirname, '../../../..')

/**
 * A folder of the test's own under node_modules/.cache (which git, biome and tsc ignore), inside
 * the repository so that files written there resolve the ORMs from its node_modules.
 */
export async function workFolder(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const cache = join(repositoryRoot, 'node_modules/.cache/pg-dsql-migrate-tests')
  await mkdir(cache, { recursive: true })
  const path = await mkdtemp(join(cache, `${prefix}-`))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

const execFileAsync = promisify(execFile)

/** Runs a Node script of the repository (an ORM's command-line tool) in `cwd`; resolves its output. */
export async function runTool(script: string, args: readonly string[], cwd: string): Promise<string> {
  const { stdout, stderr } = await execFileAsync(process.execPath, [join(repositoryRoot, script), ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  })
  return `${stdout}${stderr}`
}
