import { defineConfig } from 'vitest/config'

// `npm run test:chaos`: the chaos suite alone, at full length (CHAOS_SECONDS per fault, 10 by
// default), one file at a time so each fault's throughput is measured on an otherwise quiet
// machine, and one summary table of every fault at the end. `npm test` runs the same files in
// their short form, through the root config.
const root = new URL('../..', import.meta.url).pathname

export default defineConfig({
  resolve: {
    alias: { 'pg-dsql-emulator': new URL('../../emulator/src/index.ts', import.meta.url).pathname },
  },
  test: {
    name: 'chaos',
    root,
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/chaos/support/summary-collector.ts'],
    env: { CHAOS_SECONDS: process.env.CHAOS_SECONDS ?? '10' },
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
})
