import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BuildOptions } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))

/** How a script run in a process of its own ended, and what it wrote. */
export interface ScriptExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Bundles `entry` with the migrator's sources into one ES module, so a child starts in a fraction
 * of a second (esbuild comes with vitest's vite and with tsup). The bundle goes under the
 * repository's node_modules, where what stays outside it (pg, the parser, which loads its
 * WebAssembly from its own folder) resolves.
 */
export async function bundleScript(entry: string, name: string, extra: BuildOptions): Promise<string> {
  const { build } = await import('esbuild')
  const outfile = join(here, '../../../node_modules/.cache/pg-dsql-migrate-tests', name)
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    ...extra,
  })
  return outfile
}

/** Runs `script` with node, `stdin` piped in (no stdin at all when absent), to its exit. */
export function runNodeScript(
  script: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {},
): Promise<ScriptExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    child.stdin?.end(options.stdin)
  })
}
