import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { reportSetupFailure } from './setup-failure.js'

const root = resolve(import.meta.dirname, '../..')

/** The newest modification time under `dir`, recursively. */
function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }
  return latest
}

/**
 * True when `pkg`'s build is missing, older than its sources, or without its type declarations
 * (`npm run demo` builds JavaScript only; the packed-package tests need the declarations).
 */
function stale(pkg: string): boolean {
  const built = join(pkg, 'dist/index.js')
  const sources = Math.max(newest(join(pkg, 'src')), statSync(join(pkg, 'package.json')).mtimeMs)
  return !existsSync(built) || !existsSync(join(pkg, 'dist/index.d.ts')) || statSync(built).mtimeMs < sources
}

// Some tests use the built packages (the packed tarballs, the `pg-dsql` and `pg-dsql-emulator`
// executables). Build both once, before any test runs, when either is missing or older than its
// sources: building while those tests run would pull files out from under them.
export default function setup(): void {
  if (!stale(root) && !stale(join(root, 'emulator'))) return
  try {
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], {
      cwd: root,
      stdio: 'pipe',
    })
  } catch (error) {
    reportSetupFailure('build the packages (npm run build)')(error)
  }
}
