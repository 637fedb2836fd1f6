import { parseArgs } from 'node:util'
import { createCredentialsProvider, signWithDsqlSigner } from '../auth/index.js'
import { resolveConfig } from '../config/index.js'
import type { CliIo } from './run-cli.js'

const usage = `Usage: pg-dsql token [--endpoint HOST] [--region R] [--admin] [--user NAME] [--ttl S]

Prints an IAM authentication token for a DSQL endpoint, like
"aws dsql generate-db-connect[-admin]-auth-token". Without --endpoint it uses the first of
DSQL_ENDPOINTS, DSQL_ENDPOINT, DATABASE_URL or PGHOST. Credentials come from the AWS SDK chain
(AWS_PROFILE, env, SSO, container, IMDS); the token is the only thing printed on stdout.

Options:
  --endpoint HOST   endpoint host, cluster id or host@address:port
  --region R        Region to sign for when the host names none
  --admin           sign for DbConnectAdmin (the admin role); the default follows --user/PGUSER
  --user NAME       the database role (default PGUSER, then admin)
  --ttl S           token lifetime in seconds, 1 to 604800 (default DSQL_TOKEN_TTL, then 900)
  --profile NAME    AWS profile (default AWS_PROFILE)
`

/** `pg-dsql token`: signs one token and prints it. */
export async function tokenCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parse>
  try {
    values = parse(argv)
  } catch (error) {
    io.stderr.write(`pg-dsql token: ${(error as Error).message}\n\n${usage}`)
    return 2
  }
  if (values.help === true) {
    io.stdout.write(usage)
    return 0
  }
  try {
    const config = resolveConfig({
      endpoints: values.endpoint,
      region: values.region,
      user: values.user,
      tokenAction: values.admin === true ? 'DbConnectAdmin' : undefined,
      tokenTtlSec: values.ttl === undefined ? undefined : Number(values.ttl),
      profile: values.profile,
    })
    const endpoint = config.endpoints[0]
    if (endpoint === undefined) throw new Error('no endpoint')
    const credentials = createCredentialsProvider(config.credentials)
    const token = await signWithDsqlSigner(
      { host: endpoint.host, region: endpoint.region, action: config.tokenAction },
      await credentials(),
      config.tokenTtlSec,
    )
    io.stdout.write(`${token}\n`)
    return 0
  } catch (error) {
    io.stderr.write(`pg-dsql token: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      endpoint: { type: 'string' },
      region: { type: 'string' },
      admin: { type: 'boolean' },
      user: { type: 'string' },
      ttl: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values
}
