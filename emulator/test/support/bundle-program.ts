import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'

const emulatorRoot = resolve(import.meta.dirname, '../..')

/**
 * Bundles a program into one ESM file, as tsup bundles the emulator's command (dependencies
 * resolved from node_modules), under node_modules/.cache so its imports resolve. `entry` is a
 * source file, or `{ source }` for a program written by the test. Returns the file and the
 * removal of its folder.
 */
export async function bundleProgram(
  name: string,
  entry: string | { readonly source: string },
): Promise<{ readonly path: string; remove(): void }> {
  const dir = join(emulatorRoot, 'node_modules', '.cache', `${name}-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  let entryPoint = entry as string
  if (typeof entry !== 'string') {
    entryPoint = join(dir, 'entry.ts')
    writeFileSync(entryPoint, entry.source)
  }
  const path = join(dir, 'program.mjs')
  await build({
    entryPoints: [entryPoint],
    outfile: path,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  })
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
