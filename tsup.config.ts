import { defineConfig } from 'tsup'

// Class names survive the build (Drizzle falls back to `constructor.name.includes('Pool')`),
// so nothing is minified. `pg` and every dependency stay external: `pg` must be the app's own
// copy for `instanceof pg.Pool` to hold in Prisma and Drizzle.
const shared = {
  sourcemap: true,
  target: 'node20',
  minify: false,
  keepNames: true,
  splitting: false,
} as const

export default defineConfig([
  {
    ...shared,
    // The emulator is its own entry (`pg-dsql/emulator`): nothing of it loads with the root.
    entry: { index: 'src/index.ts', 'emulator/index': 'src/emulator/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
  },
  {
    // The command is ESM only: it is run, never imported.
    ...shared,
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
  },
])
