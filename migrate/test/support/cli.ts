import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const cache = join(here, '../../../node_modules/.cache/pg-dsql-migrate-tests')

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Bundles the command (src/cli/main.ts) into one ES module, as tsup builds dist/cli/main.js, so
 * tests run it as a user would: `node main.mjs lint …` in a process of its own. pg and the parser
 * stay outside the bundle and resolve from the repository's node_modules. `withDriver` bundles
 * pg-dsql's sources in as the optional peer; without it `pg-dsql` stays an import that does not
 * resolve (the workspace root is not in node_modules), as when the peer is not installed.
 */
export async function bundleCli(options: { withDriver: boolean }): Promise<string> {
  const { build } = await import('esbuild')
  const outfile = join(cache, options.withDriver ? 'cli-with-driver.mjs' : 'cli.mjs')
  await build({
    entryPoints: [join(here, '../../src/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // migrate's tsconfig maps pg-dsql to the driver's sources, and esbuild follows it: say which.
    ...(options.withDriver
      ? { alias: { 'pg-dsql': join(here, '../../../src/index.ts') } }
      : { external: ['pg-dsql'] }),
    // The driver's CommonJS dependencies call require(); an ES module bundle needs one made.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    logLevel: 'error',
  })
  return outfile
}

/** Runs the bundled command with `args`, `stdin` piped in (or none), to its exit. */
export function runCliProcess(
  bundle: string,
  args: readonly string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.stdin ?? '')
  })
}
