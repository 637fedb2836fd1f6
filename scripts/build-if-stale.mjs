// `npm run demo`'s build step: `npm run build` (all three packages) when a package's dist is
// missing or older than its sources, and nothing otherwise. A fresh clone builds (most of the
// time goes to the .d.ts files); a second demo starts at once. The same rule as the tests'
// global setup (test/support/build-dist.ts), over the migrator too, which the demo uses.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')

/** The newest modification time under `path`, recursively. */
function newest(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))))
}

/** @param {string} pkg */
function isStale(pkg) {
  const built = join(pkg, 'dist/index.js')
  if (!existsSync(built)) return true
  const sources = Math.max(
    ...['src', 'package.json', 'tsup.config.ts'].map((name) => newest(join(pkg, name))),
  )
  return statSync(built).mtimeMs < sources
}

const stale = [root, join(root, 'emulator'), join(root, 'migrate')].filter(isStale)
if (stale.length > 0) {
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], {
    cwd: root,
    stdio: 'inherit',
  })
}
