import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'

/**
 * Temporary folders for one test file: `scratch(prefix)` makes one, and every folder made is
 * removed after each test.
 */
export function scratchFolders(): (prefix: string) => Promise<string> {
  const made: string[] = []
  afterEach(async () => {
    for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true })
  })
  return async (prefix) => {
    const dir = await mkdtemp(join(tmpdir(), prefix))
    made.push(dir)
    return dir
  }
}
