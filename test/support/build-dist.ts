import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

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

// Some tests use the built package (the packed tarball, the `pg-dsql` executable). Build it once,
// before any test runs, when it is missing or older than the sources: building while those tests
// run would pull files out from under them.
export default function setup(): void {
  const built = join(root, 'dist/index.js')
  const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs)
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], {
    cwd: root,
    stdio: 'pipe',
  })
}
