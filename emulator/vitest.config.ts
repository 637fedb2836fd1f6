import { defineConfig } from 'vitest/config'

// Two cores on CI: at most two test files at once. Integration files start their own emulator
// over one shared embedded PostgreSQL started in globalSetup, so files never share state.
export default defineConfig({
  test: {
    name: 'pg-dsql-emulator',
    root: import.meta.dirname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
