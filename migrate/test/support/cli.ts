import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleScript, runNodeScript, type ScriptExit } from './node-script.js'

const here = dirname(fileURLToPath(import.meta.url))

export type CliRun = ScriptExit

/**
 * Bundles the command (src/cli/main.ts) into one ES module, as tsup builds dist/cli/main.js, so
 * tests run it as a user would: `node main.mjs lint …` in a process of its own. Packages stay
 * outside the bundle and resolve from the repository's node_modules. `withDriver` bundles
 * pg-dsql's sources in as the optional peer; without it `pg-dsql` stays an import that does not
 * resolve (the workspace root is not in node_modules), as when the peer is not installed.
 */
export function bundleCli(options: { withDriver: boolean }): Promise<string> {
  return bundleScript(
    join(here, '../../src/cli/main.ts'),
    options.withDriver ? 'cli-with-driver.mjs' : 'cli.mjs',
    {
      packages: 'external',
      // migrate's tsconfig maps pg-dsql to the driver's sources, and esbuild follows it: say which.
      ...(options.withDriver
        ? { alias: { 'pg-dsql': join(here, '../../../src/index.ts') } }
        : { external: ['pg-dsql'] }),
      // The driver's CommonJS dependencies call require(); an ES module bundle needs one made.
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    },
  )
}

/** Runs the bundled command with `args` and `stdin` piped in (empty by default: never a terminal). */
export function runCliProcess(
  bundle: string,
  args: readonly string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  return runNodeScript(bundle, args, { ...options, stdin: options.stdin ?? '' })
}
