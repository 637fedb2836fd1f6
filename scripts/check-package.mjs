// Lints both packages as npm would publish them: publint on the packed file list and
// @arethetypeswrong/cli on the packed tarball. Both must be clean.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

for (const workspace of [undefined, 'pg-dsql-emulator', 'pg-dsql-migrate']) {
  const dir = mkdtempSync(join(tmpdir(), 'pg-dsql-check-'))
  try {
    const where = workspace === undefined ? [] : ['--workspace', workspace]
    execFileSync(npm, ['pack', ...where, '--pack-destination', dir, '--silent', '--ignore-scripts'], {
      stdio: 'inherit',
    })
    const tarball = join(
      dir,
      readdirSync(dir).find((f) => f.endsWith('.tgz')),
    )
    execFileSync(npm, ['exec', '--', 'publint', 'run', tarball, '--strict'], { stdio: 'inherit' })
    execFileSync(npm, ['exec', '--', 'attw', tarball, '--profile', 'node16'], { stdio: 'inherit' })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
