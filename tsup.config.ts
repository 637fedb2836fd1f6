import { existsSync, readdirSync } from 'node:fs'
import { defineConfig } from 'tsup'

// Class names survive the build (Drizzle falls back to `constructor.name.includes('Pool')`)
// because nothing is minified; no name-keeping helper is needed, and one would wrap every closure
// on the query path. `pg` and every dependency stay external: `pg` must be the app's own copy for
// `instanceof pg.Pool` to hold in Prisma and Drizzle.
//
// No source maps are published: the build is not minified and keeps its comments, so a stack
// trace already points into readable code, and maps would be most of the install size.
const shared = {
  target: 'node20',
  minify: false,
  sourcemap: false,
} as const

// Each ORM's helper is an entry of its own (`pg-dsql/<orm>`): the root entry never loads an ORM.
const ormEntries = Object.fromEntries(
  (existsSync('src/orm') ? readdirSync('src/orm') : [])
    .filter((file) => file.endsWith('.ts') && !file.startsWith('_'))
    .map((file) => [`orm/${file.slice(0, -'.ts'.length)}`, `src/orm/${file}`]),
)
// The metrics adapters (`pg-dsql/otel`, `pg-dsql/prometheus`, `pg-dsql/emf`) are entries of their
// own too: their optional peers (@opentelemetry/api, prom-client) load only when one is imported.
const adapterEntries = {
  otel: 'src/adapters/otel.ts',
  prometheus: 'src/adapters/prometheus.ts',
  emf: 'src/adapters/emf.ts',
}
const libraryEntries = { index: 'src/index.ts', ...ormEntries, ...adapterEntries }
// `npm run demo` on a fresh clone builds JavaScript only (scripts/build-if-stale.mjs): the type
// declarations are most of the build's time, and running needs none. `npm run build` makes them.
const dts = process.env.PG_DSQL_BUILD_JS_ONLY === '1' ? false : { entry: libraryEntries }

export default defineConfig([
  {
    // ESM: the library and the `pg-dsql` command share one chunk instead of two copies.
    ...shared,
    entry: { ...libraryEntries, 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    splitting: true,
    dts,
    clean: true,
  },
  {
    ...shared,
    entry: libraryEntries,
    format: ['cjs'],
    // Shared code in chunks, as in the ESM build: without it each ORM helper and adapter carried
    // its own copy of the retry runner and error catalog (8 × 34 kB for the ORM helpers alone).
    splitting: true,
    dts,
    clean: false,
  },
])
