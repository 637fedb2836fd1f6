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
    entry: {
      index: 'src/index.ts',
      // One subpath per ORM (`pg-dsql-migrate/drizzle` …): an app loads only its own ORM's adapter.
      'adapters/drizzle': 'src/adapters/drizzle.ts',
      'adapters/prisma': 'src/adapters/prisma.ts',
      'adapters/knex': 'src/adapters/knex.ts',
      'adapters/kysely': 'src/adapters/kysely.ts',
      'adapters/typeorm': 'src/adapters/typeorm.ts',
      'adapters/sequelize': 'src/adapters/sequelize.ts',
      'adapters/mikro-orm': 'src/adapters/mikro-orm.ts',
    },
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
