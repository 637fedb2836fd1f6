import { defineConfig } from 'vitest/config'

// Two cores on CI: at most two test files at once. Integration files start their own emulator
// over one shared embedded PostgreSQL started in globalSetup, and use a database schema of their
// own (see test/support/emulator.ts), so files never share state. Tests import the driver and the
// emulator from their sources: the migrator never depends on either, its tests join them.
export default defineConfig({
  resolve: {
    alias: {
      'pg-dsql-emulator': new URL('../emulator/src/index.ts', import.meta.url).pathname,
      'pg-dsql': new URL('../src/index.ts', import.meta.url).pathname,
    },
  },
  test: {
    name: 'pg-dsql-migrate',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
