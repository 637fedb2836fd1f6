// `npm run demo`'s build step: `npm run build` (all three packages) when a package's dist is
// missing or older than its sources, and nothing otherwise. A fresh clone builds (JavaScript
// only); a second demo starts at once. The same rule as the tests'
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
  // JavaScript only: the type declarations take most of a build's time and the demo needs none
  // (the tests' setup and `npm run build` make them; a build without them counts as stale there).
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build', '--silent'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PG_DSQL_BUILD_JS_ONLY: '1' },
  })
}
