import { startEmbeddedBackend } from 'pg-dsql-emulator'
import type { TestProject } from 'vitest/node'

// One embedded PostgreSQL for the whole run. Every integration file makes a database of its own
// on it and starts its emulators over that database (test/support/emulator.ts): migrations create
// tables named `users` and `orders` in every file, so files must not share a database.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const backend = await startEmbeddedBackend()
    project.provide('backendUrl', backend.url)
    return () => backend.stop()
  } catch (error) {
    // vitest reports a failed global setup with no message at all: say why before failing.
    process.stderr.write(`\npg-dsql-migrate tests: the shared PostgreSQL did not start.\n${String(error)}\n`)
    throw error
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared embedded PostgreSQL's superuser URL. */
    backendUrl: string
  }
}
