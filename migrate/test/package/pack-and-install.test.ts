import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The published package as an app meets it: packed as npm publishes it, installed from the tarball
// into an app of its own (no workspace links, no ORM, no pg-dsql), then imported, required and run
// through its bin. The same approach as the driver's test/package/pack-and-import.test.ts.

const repo = resolve(import.meta.dirname, '../../..')
const pkg = resolve(import.meta.dirname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'

interface PackedFile {
  readonly path: string
}

describe('the packed pg-dsql-migrate tarball', () => {
  let work: string
  let app: string
  let packed: string[]

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pg-dsql-migrate-pack-'))
    // Packing never builds (--ignore-scripts skips prepack), so it never replaces a build something
    // else is running. Build only when the build is missing or incomplete: `npm run demo` builds
    // JavaScript only, and a tarball without its declarations is not the published package.
    if (
      !['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js'].every((file) => existsSync(join(pkg, file)))
    ) {
      execFileSync(npm, ['run', 'build', '--silent', '--workspace', 'pg-dsql-migrate'], {
        cwd: repo,
        stdio: 'pipe',
      })
    }
    const report = JSON.parse(
      execFileSync(
        npm,
        ['pack', '--workspace', 'pg-dsql-migrate', '--pack-destination', work, '--ignore-scripts', '--json'],
        { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    ) as { filename: string; files: PackedFile[] }[]
    expect(report).toHaveLength(1)
    const { filename, files } = report[0]!
    packed = files.map((file) => file.path).sort()
    app = join(work, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', private: true }))
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, filename)], {
      cwd: app,
      stdio: 'pipe',
    })
  }, 300_000)

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  /** Runs `source` with node in the app folder and parses the one JSON line it prints. */
  function probe(type: 'module' | 'commonjs', source: string): unknown {
    const stdout = execFileSync(process.execPath, [`--input-type=${type}`, '-e', source], {
      cwd: app,
      encoding: 'utf8',
    })
    return JSON.parse(stdout)
  }

  function bin(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(npx, ['--no-install', 'pg-dsql-migrate', ...args], { cwd: app, encoding: 'utf8' })
    return { status: run.status, stdout: run.stdout, stderr: run.stderr }
  }

  // What the README's examples use from the root entry, and one real call: transform and lint load
  // libpg-query's WebAssembly from the installed dependency, which a missing file would break.
  const rootProbe = `
const sql = 'CREATE TABLE t (id int PRIMARY KEY);\\nCREATE INDEX t_i ON t (id);\\n'
const transformed = await m.transform(sql)
const linted = await m.lint(sql)
console.log(JSON.stringify({
  types: [typeof m.transform, typeof m.lint, typeof m.apply, typeof m.status],
  statements: transformed.statements.map((s) => s.sql),
  lint: [linted.status, linted.changes.map((c) => c.rule)],
}))
`
  const rootExpected = {
    types: ['function', 'function', 'function', 'function'],
    statements: ['CREATE TABLE t (id int PRIMARY KEY)', 'CREATE INDEX ASYNC t_i ON t (id)'],
    lint: ['fixed', ['index-async']],
  }

  it('imports transform, lint, apply and status from the ESM root entry, and transform runs', () => {
    const result = probe('module', `import * as m from 'pg-dsql-migrate'\n${rootProbe}`)
    expect(result).toEqual(rootExpected)
  })

  it('requires the same from the CommonJS root entry, and transform runs', () => {
    const result = probe(
      'commonjs',
      `const m = require('pg-dsql-migrate')\n;(async () => {\n${rootProbe}\n})().catch((e) => { console.error(e); process.exit(1) })`,
    )
    expect(result).toEqual(rootExpected)
  })

  it('imports pg-dsql-migrate/drizzle with no drizzle-kit installed; only planDrizzlePush needs it', () => {
    // readDrizzleMigrations needs no ORM; planDrizzlePush imports drizzle-kit/api when called.
    const result = probe(
      'module',
      `import * as drizzle from 'pg-dsql-migrate/drizzle'
let read
try { await drizzle.readDrizzleMigrations('./no-such-folder') } catch (e) { read = [e.code, e instanceof drizzle.MigrationSourceError] }
let push
try { await drizzle.planDrizzlePush({ schema: {} }) } catch (e) { push = [e.code, /'drizzle-kit'/.test(e.message)] }
console.log(JSON.stringify({ exports: Object.keys(drizzle).sort(), read, push }))
`,
    )
    expect(result).toEqual({
      exports: ['MigrationSourceError', 'planDrizzlePush', 'readDrizzleMigrations'],
      read: ['ERR_DSQL_MIGRATE_SOURCE', true],
      push: ['ERR_MODULE_NOT_FOUND', true],
    })
  })

  it('runs the installed bin: transform rewrites to DSQL forms, with the exit codes the README gives', () => {
    writeFileSync(
      join(app, 'fixed.sql'),
      'CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX t_i ON t (id);\n',
    )
    writeFileSync(join(app, 'clean.sql'), 'CREATE TABLE plain (id uuid PRIMARY KEY, name text NOT NULL);\n')

    // A statement changed to its DSQL form is "fixed": exit 1 (README, "The command").
    const fixed = bin(['transform', 'fixed.sql'])
    expect(fixed.stdout).toContain('CREATE INDEX ASYNC t_i ON t (id);')
    expect(fixed.stdout).not.toMatch(/CREATE INDEX t_i/)
    expect(fixed.stderr).toContain('fixed.sql:2:1  fixed  index-async')
    expect(fixed.status).toBe(1)

    // Nothing to change: exit 0, the statement written back.
    const clean = bin(['transform', 'clean.sql'])
    expect(clean.stdout).toContain('CREATE TABLE plain (id uuid PRIMARY KEY, name text NOT NULL);')
    expect(clean.status).toBe(0)

    const unknown = bin(['frobnicate'])
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
    expect(unknown.status).toBe(64)
  })

  it('packs the built files, README, CHANGELOG and LICENSE only, and every export and the bin', () => {
    const outside = packed.filter(
      (path) =>
        !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|dist\/.+\.(js|cjs|d\.ts|d\.cts))$/.test(path),
    )
    expect(outside).toEqual([])
    expect(packed.filter((path) => /(^|\/)(test|tests|fixtures?|src)\/|\.test\./.test(path))).toEqual([])

    // Every file package.json points at is in the tarball.
    const manifest = JSON.parse(
      execFileSync(process.execPath, ['-p', 'JSON.stringify(require("pg-dsql-migrate/package.json"))'], {
        cwd: app,
        encoding: 'utf8',
      }),
    ) as {
      exports: Record<string, string | Record<string, Record<string, string>>>
      bin: Record<string, string>
    }
    const targets = [
      ...Object.values(manifest.exports).flatMap((entry) =>
        typeof entry === 'string' ? [entry] : Object.values(entry).flatMap((cond) => Object.values(cond)),
      ),
      ...Object.values(manifest.bin),
    ].map((target) => target.replace(/^\.\//, ''))
    expect(targets.length).toBeGreaterThan(30)
    expect(targets.filter((target) => !packed.includes(target))).toEqual([])
  })
})
