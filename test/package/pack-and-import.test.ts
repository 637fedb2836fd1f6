import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = resolve(import.meta.dirname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

// The check each project runs: the root entry loads, and DsqlPool's prototype chain reaches the
// app's own pg.Pool (not a bundled copy), which is what Prisma and Drizzle test with instanceof.
const probe = `
const proto = Object.getPrototypeOf(DsqlPool.prototype)
let reaches = false
for (let p = DsqlPool.prototype; p; p = Object.getPrototypeOf(p)) if (p === pg.Pool.prototype) reaches = true
const pool = new DsqlPool({ endpoints: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } })
console.log(JSON.stringify({ isClass: typeof DsqlPool === 'function' && /^class\\b/.test(Function.prototype.toString.call(DsqlPool)), reaches, isPool: pool instanceof pg.Pool, parent: proto.constructor.name }))
`

describe('the packed tarball', () => {
  let work: string

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'pg-dsql-pack-'))
    // The build is current (test/support/build-dist.ts); packing must not rebuild it while other
    // test files run the built executable.
    execFileSync(npm, ['pack', '--pack-destination', work, '--silent', '--ignore-scripts'], {
      cwd: root,
      stdio: 'pipe',
    })
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
    if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${work}`)
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'pack-test', private: true }))
    // One install serves both projects below: each has its own package.json (and so its own
    // module type) and resolves pg-dsql and pg from the shared node_modules one level up.
    execFileSync(
      npm,
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball), `pg@${pgVersion()}`],
      { cwd: work, stdio: 'pipe' },
    )
  }, 300_000)

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true })
  })

  function runProject(type: 'module' | 'commonjs', source: string): unknown {
    const dir = join(work, type)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `pack-test-${type}`, type }))
    writeFileSync(join(dir, 'probe.js'), source)
    return JSON.parse(execFileSync(process.execPath, ['probe.js'], { cwd: dir, encoding: 'utf8' }))
  }

  it('imports DsqlPool from an ESM project as a subclass of pg.Pool', () => {
    const result = runProject('module', `import pg from 'pg'\nimport { DsqlPool } from 'pg-dsql'\n${probe}`)
    expect(result).toEqual({ isClass: true, reaches: true, isPool: true, parent: 'BoundPool' })
  })

  it('keeps error names, codes, causes and instanceof across the ESM and CJS builds in one process', () => {
    const result = runProject(
      'module',
      `
import { createRequire } from 'node:module'
import * as esm from 'pg-dsql'
const cjs = createRequire(import.meta.url)('pg-dsql')
const cause = new Error('the cause')
const make = {
  DsqlConfigError: (m) => new m.DsqlConfigError('bad option', { option: 'tokenTtlSec', cause }),
  DsqlCredentialsError: (m) => new m.DsqlCredentialsError('no credentials', { source: 'profile', cause }),
  DsqlAuthError: (m) => new m.DsqlAuthError('refused', { endpoint: 'h', hint: 'why', cause }),
  NoHealthyEndpointError: (m) => new m.NoHealthyEndpointError('none', { endpoints: [], elapsedMs: 1, cause }),
  OccRetryExhaustedError: (m) => new m.OccRetryExhaustedError('exhausted', { attempts: 3, elapsedMs: 9, cause }),
  TransactionOutcomeUnknownError: (m) => new m.TransactionOutcomeUnknownError('unknown', { attempts: 1, cause }),
  TransactionAbortedError: (m) => new m.TransactionAbortedError('aborted'),
  TransactionMisuseError: (m) => new m.TransactionMisuseError('misuse'),
  PoolEndedError: (m) => new m.PoolEndedError(),
}
const rows = Object.entries(make).map(([name, build]) => {
  const fromEsm = build(esm)
  const fromCjs = build(cjs)
  return {
    name,
    builtName: fromEsm.name,
    code: fromEsm.code,
    sameCode: fromEsm.code === fromCjs.code,
    hasCause: fromEsm.cause === undefined || fromEsm.cause === cause,
    crossInstanceof: fromEsm instanceof cjs[name] && fromCjs instanceof esm[name],
    base: fromEsm instanceof cjs.DsqlError && fromCjs instanceof esm.DsqlError && fromEsm instanceof Error,
    notOther: !(fromEsm instanceof (name === 'DsqlAuthError' ? cjs.DsqlConfigError : cjs.DsqlAuthError)),
  }
})
console.log(JSON.stringify({ rows, classNames: [esm.DsqlPool.name, cjs.DsqlPool.name, esm.DsqlClient.name, cjs.DsqlClient.name] }))
`,
    )
    const { rows, classNames } = result as { rows: Record<string, unknown>[]; classNames: string[] }
    expect(classNames).toEqual(['DsqlPool', 'DsqlPool', 'DsqlClient', 'DsqlClient'])
    const codes: Record<string, string> = {
      DsqlConfigError: 'ERR_DSQL_CONFIG',
      DsqlCredentialsError: 'ERR_DSQL_CREDENTIALS',
      DsqlAuthError: '08006',
      NoHealthyEndpointError: '08001',
      OccRetryExhaustedError: '40001',
      TransactionOutcomeUnknownError: '08007',
      TransactionAbortedError: '25P02',
      TransactionMisuseError: 'ERR_DSQL_TRANSACTION_MISUSE',
      PoolEndedError: 'ERR_DSQL_POOL_ENDED',
    }
    expect(rows).toEqual(
      Object.entries(codes).map(([name, code]) => ({
        name,
        builtName: name,
        code,
        sameCode: true,
        hasCause: true,
        crossInstanceof: true,
        base: true,
        notOther: true,
      })),
    )
  })

  it('loads no metrics library from the root entry, and runs pg-dsql/emf with no peer installed', () => {
    const result = runProject(
      'commonjs',
      `const { DsqlPool } = require('pg-dsql')
const loaded = Object.keys(require.cache).filter((path) => /prom-client|@opentelemetry/.test(path))
const { instrumentPool } = require('pg-dsql/emf')
const lines = []
const pool = new DsqlPool({ endpoints: 'abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } })
instrumentPool(pool, { stream: { write: (chunk) => lines.push(chunk) } })
let otel
try { require('pg-dsql/otel') } catch (error) { otel = error.code }
pool.end().then(() => console.log(JSON.stringify({ loaded, emfLines: lines.length > 0, otel })))
`,
    )
    // The OTel adapter needs its optional peer; without it, requiring it says which module is missing.
    expect(result).toEqual({ loaded: [], emfLines: true, otel: 'MODULE_NOT_FOUND' })
  })

  it('requires DsqlPool from a CJS project as a subclass of pg.Pool', () => {
    const result = runProject(
      'commonjs',
      `const pg = require('pg')\nconst { DsqlPool } = require('pg-dsql')\n${probe}`,
    )
    expect(result).toEqual({ isClass: true, reaches: true, isPool: true, parent: 'BoundPool' })
  })
})

function pgVersion(): string {
  return execFileSync(process.execPath, ['-p', "require('pg/package.json').version"], {
    cwd: root,
    encoding: 'utf8',
  }).trim()
}
