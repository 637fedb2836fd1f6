import type { DsqlCredentialsProvider, ResolvedEndpoint } from '../config/index.js'
import { DsqlConfigError } from '../errors/index.js'

/** The part of `@aws-sdk/client-dsql` discovery uses. */
export interface DsqlControlPlane {
  DSQLClient: new (config: {
    region: string
    credentials: DsqlCredentialsProvider
  }) => { send(command: unknown): Promise<GetClusterOutput>; destroy(): void }
  GetClusterCommand: new (input: { identifier: string }) => unknown
}

interface GetClusterOutput {
  readonly multiRegionProperties?: { readonly clusters?: readonly string[] | undefined } | undefined
}

/** Loads the control-plane SDK; tests pass a mock. */
export type LoadControlPlane = () => Promise<DsqlControlPlane>

// The package is an optional peer dependency: its name sits in a variable so bundlers and the
// type checker do not require it to be installed.
const CONTROL_PLANE_PACKAGE = '@aws-sdk/client-dsql'

const loadSdk: LoadControlPlane = async () => {
  try {
    return (await import(CONTROL_PLANE_PACKAGE)) as DsqlControlPlane
  } catch (error) {
    throw new DsqlConfigError(
      `routing.discover needs the optional package ${CONTROL_PLANE_PACKAGE}. Install it ` +
        `(npm install ${CONTROL_PLANE_PACKAGE}), or list every Region's endpoint in endpoints instead.`,
      { option: 'routing.discover', cause: error },
    )
  }
}

const CLUSTER_ARN = /^arn:aws[a-z-]*:dsql:([a-z0-9-]+):\d{12}:cluster\/([a-z0-9]{26})$/

/**
 * Asks the DSQL control plane (`GetCluster`) for the peers of the cluster behind `endpoint`, and
 * returns their endpoints: `<id>.dsql.<region>.on.aws`, reached at their own host names on the
 * same port. The endpoint itself is left out.
 */
export async function discoverPeers(
  endpoint: ResolvedEndpoint,
  credentials: DsqlCredentialsProvider,
  load: LoadControlPlane = loadSdk,
): Promise<ResolvedEndpoint[]> {
  const clusterId = endpoint.host.split('.')[0] as string
  const sdk = await load()
  const client = new sdk.DSQLClient({ region: endpoint.region, credentials })
  try {
    const output = await client.send(new sdk.GetClusterCommand({ identifier: clusterId }))
    const peers: ResolvedEndpoint[] = []
    for (const arn of output.multiRegionProperties?.clusters ?? []) {
      const match = CLUSTER_ARN.exec(arn)
      if (match === null) continue
      const [, region, id] = match as unknown as [string, string, string]
      const host = `${id}.dsql.${region}.on.aws`
      if (host !== endpoint.host) peers.push({ host, address: host, port: endpoint.port, region })
    }
    return peers
  } finally {
    client.destroy()
  }
}
