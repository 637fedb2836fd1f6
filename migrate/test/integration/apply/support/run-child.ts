import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DsqlSigner } from '@aws-sdk/dsql-signer'
import type { Emulator } from 'pg-dsql-emulator'
import { bundleScript, runNodeScript, type ScriptExit } from '../../../support/node-script.js'

const here = dirname(fileURLToPath(import.meta.url))

export type ChildExit = ScriptExit

/** Bundles support/apply-child.ts with the migrator's sources (see bundleScript). */
export function bundleApplyChild(): Promise<string> {
  return bundleScript(join(here, 'apply-child.ts'), 'apply-child.mjs', {
    external: ['pg', 'libpg-query', 'pgsql-deparser'],
  })
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
  return runNodeScript(bundle, [], { env })
}
