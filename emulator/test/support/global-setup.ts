import type { TestProject } from 'vitest/node'
import { startEmbeddedBackend } from '../../src/index.js'

// One embedded PostgreSQL for the whole run: each test file starts its own emulators over it
// (startTestEmulator), which skips an initdb per file. Files keep their data apart with unique
// table names.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let backend: Awaited<ReturnType<typeof startEmbeddedBackend>>
  try {
    backend = await startEmbeddedBackend()
  } catch (error) {
    // vitest reports a failed global setup with no message at all: say why before failing.
    process.stderr.write(
      `\npg-dsql-emulator tests: the shared PostgreSQL did not start.\n${describe(error)}\n`,
    )
    throw error
  }
  project.provide('backendUrl', backend.url)
  return () => backend.stop()
}

/** An error's name, code, message and causes, one per line. */
function describe(error: unknown): string {
  const lines: string[] = []
  for (let current = error, depth = 0; current !== undefined && depth < 5; depth++) {
    const prefix = depth === 0 ? '' : 'Caused by: '
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code
      lines.push(
        `${prefix}${current.name}${code === undefined ? '' : ` [${String(code)}]`}: ${current.message}`,
      )
      current = current.cause
    } else {
      lines.push(`${prefix}${String(current)}`)
      current = undefined
    }
  }
  return lines.join('\n')
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared embedded PostgreSQL's superuser URL (see test/support/emulator.ts). */
    backendUrl: string
  }
}
