import { inject } from 'vitest'
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/index.js'

/**
 * Test harness for every integration test:
 *
 *   const emu = await startTestEmulator({ regions: ['us-east-1'] })   // in beforeAll
 *   ...                                                               // connect with emu.endpoints, emu.credentials, emu.caCertPath
 *   await emu.stop()                                                  // in afterAll
 *
 * It starts a full emulator (same options as `startEmulator`, except `backend`) over the one
 * PostgreSQL the vitest globalSetup started for the run, so it starts in milliseconds. All
 * emulators of a run share that database: use table names unique to your test file. The API is
 * stable; the driver tests depend on it.
 */
export function startTestEmulator(options: Omit<EmulatorOptions, 'backend'> = {}): Promise<Emulator> {
  return startEmulator({ ...options, backend: backendUrl() })
}

/** The shared backend's superuser URL, for tests that look behind the emulator (pg_stat_activity). */
export function backendUrl(): string {
  return inject('backendUrl')
}
