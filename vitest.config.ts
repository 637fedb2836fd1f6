import { defineConfig } from 'vitest/config'

// `npm test` runs both packages: the driver's tests (this folder) and the emulator's
// (emulator/vitest.config.ts). Two cores on CI: at most two test files at once across both.
// Each package's globalSetup starts one embedded PostgreSQL, and every integration file starts
// its own emulators over it, so files never share state.
export default defineConfig({
  test: {
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
    projects: [
      {
        // Tests import the emulator from its source, so they run without building it first.
        resolve: {
          alias: { 'pg-dsql-emulator': new URL('./emulator/src/index.ts', import.meta.url).pathname },
        },
        test: {
          name: 'pg-dsql',
          include: ['test/**/*.test.ts'],
          // Build both packages first (tests of the tarball and the executables use them), then
          // start PostgreSQL.
          globalSetup: ['test/support/build-dist.ts', 'test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      'emulator/vitest.config.ts',
      'migrate/vitest.config.ts',
    ],
  },
})
