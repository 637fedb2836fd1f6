// What each library costs an app before its first query: the bytes `npm install <pkg> pg` puts in
// an empty app's node_modules (apparent sizes, every file; the same pg for all), the packages it
// brings, and the time to import its root entry in a fresh Node process (median of 10, alternating
// contenders). Contenders: pg alone, pg-dsql (this checkout, packed), AWS's connector and AWS's
// advanced wrapper, from the npm registry. Nothing is signed or connected.
//
//   npm run bench -- footprint [--quick] [--rounds 10] [--json FILE]
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startEmbeddedBackend } from 'pg-dsql-emulator'
import { startEmulatorProcess } from './lib/emulator-process.mjs'
import { benchSettings, median } from './lib/measure.mjs'
import { fmt, isQuick, makeReport, printReport, ratioOf } from './lib/report.mjs'

const execFileAsync = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

const WRAPPER = "AWS's advanced wrapper"
// name → [what to install beside pg (a function of the packed tarball), the root entry to import]
const CONTENDERS = {
  pg: [() => [], 'pg'],
  'pg-dsql': [(tarball) => [tarball], 'pg-dsql'],
  "AWS's connector": [
    () => ['@aws/aurora-dsql-node-postgres-connector'],
    '@aws/aurora-dsql-node-postgres-connector',
  ],
  [WRAPPER]: [() => ['aws-advanced-nodejs-wrapper'], 'aws-advanced-nodejs-wrapper'],
}
// The wrapper's root entry needs packages it does not declare; its pg entry is what an app imports.
const WRAPPER_PG_ENTRY = 'aws-advanced-nodejs-wrapper/pg'

export async function run(argv) {
  const quick = isQuick(argv)
  const { rounds } = benchSettings(argv, { rounds: quick ? 2 : 10 })
  const pgVersion = JSON.parse(readFileSync(join(root, 'node_modules/pg/package.json'), 'utf8')).version
  const work = mkdtempSync(join(tmpdir(), 'pg-dsql-footprint-'))
  try {
    // The checkout's build, as npm would publish it (dist/ is current: `npm run bench` builds it).
    execFileSync(npm, ['pack', '--pack-destination', work, '--silent', '--ignore-scripts'], {
      cwd: root,
      stdio: 'pipe',
    })
    const tarball = join(
      work,
      readdirSync(work).find((file) => /^pg-dsql-\d.*\.tgz$/.test(file)),
    )
    const apps = {}
    for (const [name, [specs]] of Object.entries(CONTENDERS)) {
      const dir = join(work, name.replace(/[^a-z0-9]+/gi, '-'))
      mkdirSync(dir)
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
      try {
        execFileSync(
          npm,
          ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs(tarball), `pg@${pgVersion}`],
          {
            cwd: dir,
            stdio: 'pipe',
          },
        )
        const modules = join(dir, 'node_modules')
        apps[name] = { dir, bytes: bytesUnder(modules), packages: countPackages(modules) }
      } catch (error) {
        apps[name] = {
          dir,
          installError: String(error.stderr ?? error.message)
            .trim()
            .split('\n')
            .slice(-3)
            .join(' '),
        }
      }
    }
    const importMs = Object.fromEntries(Object.keys(CONTENDERS).map((name) => [name, []]))
    const importErrors = {}
    const entries = Object.fromEntries(Object.entries(CONTENDERS).map(([name, [, entry]]) => [name, entry]))
    // The wrapper's root entry fails to import (undeclared dependencies): record that, time /pg.
    if (apps[WRAPPER].installError === undefined) {
      const failure = await importOnce(apps[WRAPPER].dir, entries[WRAPPER])
      if (typeof failure === 'string') {
        importErrors[WRAPPER] = `${entries[WRAPPER]}: ${failure}`
        entries[WRAPPER] = WRAPPER_PG_ENTRY
      }
    }
    const wrapperAuth = await tryWrapperAuth(work)
    const names = Object.keys(CONTENDERS).filter((name) => apps[name].installError === undefined)
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const result = await importOnce(apps[name].dir, entries[name])
        if (typeof result === 'number') importMs[name].push(result)
        else importErrors[name] ??= `${entries[name]}: ${result}`
      }
    }
    const results = Object.fromEntries(
      Object.keys(CONTENDERS).map((name) => [
        name,
        {
          entry: entries[name],
          installedBytes: apps[name].bytes ?? null,
          packages: apps[name].packages ?? null,
          importMs: importMs[name].length > 0 ? median(importMs[name]) : null,
          ...(apps[name].installError === undefined ? {} : { installError: apps[name].installError }),
          ...(importErrors[name] === undefined ? {} : { importError: importErrors[name] }),
        },
      ]),
    )
    const ours = results['pg-dsql']
    const aws = results["AWS's connector"]
    const report = makeReport({
      benchmark: 'footprint',
      title: `footprint: npm install <pkg> pg@${pgVersion} in an empty app; root-entry import, median of ${rounds} fresh processes`,
      about:
        `What an app pays before its first query: the bytes \`npm install <pkg> pg@${pgVersion}\` puts in an empty ` +
        "app's node_modules (apparent sizes of every file), the packages it brings, and the time to import the " +
        `root entry in a fresh Node process (median of ${rounds}, alternating). pg-dsql is this checkout, packed; ` +
        'the others come from the npm registry.',
      settings: { rounds, pgVersion, quick },
      results,
      ratios: {
        installedBytesVsPg: ratioOf(ours.installedBytes, results.pg.installedBytes),
        installedBytesVsAwsConnector: ratioOf(ours.installedBytes, aws.installedBytes),
        importTimeVsPg: ratioOf(ours.importMs, results.pg.importMs),
        importTimeVsAwsConnector: ratioOf(ours.importMs, aws.importMs),
      },
      tables: [
        {
          columns: ['Package (with pg)', 'Installed', 'Packages', 'Import of', 'Import time'],
          rows: Object.entries(results).map(([name, r]) => [
            name,
            r.installedBytes === null ? 'install failed' : fmt.mb(r.installedBytes),
            r.packages ?? '',
            `\`${r.entry}\``,
            r.importMs === null ? 'failed' : fmt.ms(r.importMs),
          ]),
        },
      ],
      chart: {
        kind: 'bar',
        title: 'Installed size (MB) and root-entry import time (ms), with pg (lower is better)',
        unit: 'MB / ms',
        scale: 'per-group',
        groups: [
          {
            name: 'installed, MB',
            bars: names.map((name) => ({ label: name, value: results[name].installedBytes / 1e6 })),
          },
          {
            name: 'root-entry import, ms',
            bars: names
              .filter((name) => results[name].importMs !== null)
              .map((name) => ({ label: name, value: results[name].importMs })),
          },
        ],
      },
      wrapperAuth,
      notes: [
        ...Object.entries(importErrors).map(([name, error]) => `${name}: ${error}`),
        `${WRAPPER} against the emulator (its pg entry, plugins: 'iam', with @aws-sdk/rds-signer and ` +
          `@aws-sdk/credential-providers installed beside it, as it needs): ${wrapperAuth}`,
      ],
    })
    printReport(report)
    for (const note of report.notes) console.log(`note: ${note}`)
    return report
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

// AWS's advanced wrapper's IAM plugin, given the emulator's keys, connecting to one endpoint with
// a socket that goes to its address (as the other benchmarks do for AWS's connector).
const WRAPPER_AUTH_SCRIPT = `
import { readFileSync } from 'node:fs'
import { Socket } from 'node:net'
import { AwsPGClient } from 'aws-advanced-nodejs-wrapper/pg'
const e = JSON.parse(process.env.BENCH_ENDPOINT)
const stream = () => { const s = new Socket(); const c = s.connect.bind(s); s.connect = () => c({ host: e.address, port: e.port }); return s }
const client = new AwsPGClient({ host: e.host, port: e.port, user: 'admin', database: 'postgres', plugins: 'iam',
  iamRegion: e.region, ssl: { ca: readFileSync(process.env.BENCH_CA, 'utf8'), servername: e.host }, stream })
try {
  await client.connect()
  await client.query('SELECT 1')
  console.log('connected and queried')
} catch (error) {
  console.log(['refused:', error.code, String(error.message).split('\\n')[0].slice(0, 120)].filter(Boolean).join(' '))
}
process.exit(0)
`

/** Whether AWS's advanced wrapper can authenticate to the emulator, in words (for the notes). */
async function tryWrapperAuth(work) {
  const dir = join(work, 'wrapper-auth')
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  const backend = await startEmbeddedBackend()
  const emulator = await startEmulatorProcess({ regions: ['us-east-1'], backend: backend.url })
  try {
    execFileSync(
      npm,
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        'aws-advanced-nodejs-wrapper',
        'pg',
        '@aws-sdk/rds-signer',
        '@aws-sdk/credential-providers',
      ],
      { cwd: dir, stdio: 'pipe' },
    )
    const { stdout } = await execFileAsync(
      process.execPath,
      ['--input-type=module', '--eval', WRAPPER_AUTH_SCRIPT],
      {
        cwd: dir,
        timeout: 30_000,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: emulator.credentials.secretAccessKey,
          BENCH_ENDPOINT: JSON.stringify(emulator.endpoints[0]),
          BENCH_CA: emulator.caCertPath,
        },
      },
    )
    const outcome = stdout.trim().split('\n').at(-1)
    const stats = (await emulator.stats()).regions['us-east-1']
    return (
      `${outcome}; the emulator counted ${stats.AuthFailures} authentication failure(s) and ` +
      `${stats.CallCount.DbConnect + stats.CallCount.DbConnectAdmin} DSQL connection attempts (its token is an RDS one, ` +
      'signed by @aws-sdk/rds-signer for rds-db:connect, not dsql:DbConnect or DbConnectAdmin)'
    )
  } catch (error) {
    return `could not be tried: ${String(error.message).split('\n')[0].slice(0, 160)}`
  } finally {
    await emulator.stop()
    await backend.stop()
  }
}

/** Imports `entry` in a fresh process inside `dir`; the milliseconds, or the error's first line. */
async function importOnce(dir, entry) {
  const script = `const t = performance.now(); await import(${JSON.stringify(entry)}); console.log(performance.now() - t)`
  try {
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '--eval', script], {
      cwd: dir,
    })
    return Number(stdout.trim().split('\n').at(-1))
  } catch (error) {
    const line = String(error.stderr ?? error.message)
      .split('\n')
      .find((l) => /Error/.test(l))
    // The first line of the error, without the temporary folder it names.
    return (line ?? 'failed')
      .replace(/ imported from .*/, '')
      .trim()
      .slice(0, 200)
  }
}

function bytesUnder(dir) {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += bytesUnder(path)
    else if (entry.isFile()) total += statSync(path).size
  }
  return total
}

/** Installed packages, nested ones included (every folder holding a package.json with a name). */
function countPackages(modules) {
  let count = 0
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const dirs = entry.name.startsWith('@')
      ? readdirSync(join(modules, entry.name)).map((name) => join(modules, entry.name, name))
      : [join(modules, entry.name)]
    for (const dir of dirs) {
      count++
      const nested = join(dir, 'node_modules')
      if (readdirSync(dir).includes('node_modules')) count += countPackages(nested)
    }
  }
  return count
}
