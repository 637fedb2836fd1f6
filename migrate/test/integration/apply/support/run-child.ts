import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import type { Emulator } from 'pg-dsql-emulator'

const here = dirname(fileURLToPath(import.meta.url))

export interface ChildExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Bundles support/apply-child.ts with the migrator's sources into one ES module, so each child
 * starts in a fraction of a second (esbuild comes with vitest's vite and with tsup). pg and the
 * parser stay outside the bundle (the parser loads its WebAssembly from its own folder), so the
 * bundle goes under the package's node_modules, where they resolve.
 */
export async function bundleApplyChild(): Promise<string> {
  const { build } = await import('esbuild')
  const outfile = join(here, '../../../../node_modules/.cache/pg-dsql-migrate-tests/apply-child.mjs')
  await build({
    entryPoints: [join(here, 'apply-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pg', 'libpg-query', 'pgsql-deparser'],
    logLevel: 'error',
  })
  return outfile
}

/** Runs the bundled child against `emulator` over a plain pg.Pool, to its end or to its kill. */
export async function runApplyChild(
  bundle: string,
  emulator: Emulator,
  options: { killAt?: { type: string; nth: number }; holderId: string },
): Promise<ChildExit> {
  const endpoint = emulator.endpoints[0]
  if (endpoint === undefined) throw new Error('the emulator has no endpoint')
  // A token as AWS's own docs make one for node-postgres: the signer, for the endpoint's host.
  const token = await new DsqlSigner({
    hostname: endpoint.host,
    region: endpoint.region,
    credentials: emulator.credentials,
  }).getDbConnectAdminAuthToken()
  const connection = {
    host: endpoint.host,
    address: endpoint.address,
    port: endpoint.port,
    ca: readFileSync(emulator.caCertPath, 'utf8'),
    token,
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    APPLY_CHILD_CONNECTION: JSON.stringify(connection),
    APPLY_CHILD_HOLDER: options.holderId,
    ...(options.killAt === undefined ? {} : { APPLY_CHILD_KILL_AT: JSON.stringify(options.killAt) }),
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}
