import { defineConfig } from 'tsup'

// Every dependency stays external (libpg-query loads its WebAssembly from its own folder); nothing
// is minified and no source maps are shipped, as in the other two packages.
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
    dts: true,
    clean: true,
    shims: true,
  },
])
