import { startEmbeddedBackend } from 'pg-dsql-emulator'
import type { TestProject } from 'vitest/node'
import { reportSetupFailure } from './setup-failure.js'

// One embedded PostgreSQL for the whole run: each test file starts its own emulators over it
// (startTestEmulator), which skips an initdb per file. Files keep their data apart with unique
// table names.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const backend = await startEmbeddedBackend().catch(reportSetupFailure('start the embedded PostgreSQL'))
  project.provide('backendUrl', backend.url)
  return () => backend.stop()
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared embedded PostgreSQL's superuser URL (see test/support/emulator.ts). */
    backendUrl: string
  }
}
