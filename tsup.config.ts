import { defineConfig } from 'tsup'

// Class names survive the build (Drizzle falls back to `constructor.name.includes('Pool')`)
// because nothing is minified; no name-keeping helper is needed, and one would wrap every closure
// on the query path. `pg` and every dependency stay external: `pg` must be the app's own copy for
// `instanceof pg.Pool` to hold in Prisma and Drizzle.
const shared = {
  sourcemap: true,
  target: 'node20',
  minify: false,
  splitting: false,
} as const

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts' },
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
