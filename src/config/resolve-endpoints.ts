import { DsqlConfigError } from '../errors/index.js'
import type { ConnectionUrl } from './connection-url.js'
import { type EndpointSpec, endpointHost, parseEndpointSpec, REGION_NAME } from './endpoint-spec.js'
import type { DsqlEnv } from './resolve-config.js'
import type { ResolvedEndpoint } from './resolved-config.js'
import { pickOptional, type Setting, type Source, shown, stringOption } from './setting.js'

/**
 * The endpoints, from the first source that names any: `endpoints`, `host`, the
 * `connectionString` host, `DSQL_ENDPOINTS`, `DSQL_ENDPOINT`, the `DATABASE_URL` host, `PGHOST`.
 */
export function resolveEndpoints(
  options: Readonly<Record<string, unknown>>,
  url: ConnectionUrl,
  urlFrom: 'connectionString' | 'DATABASE_URL',
  env: DsqlEnv,
): { spec: EndpointSpec; from: string }[] {
  const listed = options.endpoints
  if (listed !== undefined && listed !== null) {
    const items = typeof listed === 'string' ? splitList(listed) : Array.isArray(listed) ? listed : undefined
    if (items === undefined || items.length === 0 || items.some((item) => typeof item !== 'string')) {
      throw new DsqlConfigError(
        'endpoints must be a string or a non-empty array of strings (cluster ids, endpoint hosts or host@address:port).',
        { option: 'endpoints' },
      )
    }
    return items.map((item: string) => ({ spec: parseEndpointSpec(item, 'endpoints'), from: 'endpoints' }))
  }
  const hostAddr = url.params.get('hostaddr')
  const urlHost: Source<string> = [
    url.host === undefined ? undefined : hostAddr === undefined ? url.host : `${url.host}@${hostAddr}`,
    `${urlFrom} host`,
  ]
  const dsqlEnv: Source<string>[] = [
    [env.DSQL_ENDPOINTS, 'DSQL_ENDPOINTS'],
    [env.DSQL_ENDPOINT, 'DSQL_ENDPOINT'],
  ]
  const chosen = pickOptional<string>([
    [hostOption(options, env), 'host'],
    ...(urlFrom === 'connectionString' ? [urlHost, ...dsqlEnv] : [...dsqlEnv, urlHost]),
    [env.PGHOST, 'PGHOST'],
  ])
  if (chosen === undefined) {
    throw new DsqlConfigError(
      'No DSQL endpoint is configured. Set endpoints (or host) to your cluster endpoint, such as ' +
        '<cluster-id>.dsql.us-east-1.on.aws, or set DSQL_ENDPOINTS, DATABASE_URL or PGHOST.',
      { option: 'endpoints' },
    )
  }
  if (chosen.from === 'host' || chosen.from === urlHost[1]) {
    return [{ spec: parseEndpointSpec(chosen.value, chosen.from), from: chosen.from }]
  }
  const items = splitList(chosen.value)
  if (items.length === 0) {
    throw new DsqlConfigError(
      `${chosen.from} lists no endpoint. Set it to host[@address[:port]], comma-separated.`,
      {
        option: chosen.from,
      },
    )
  }
  return items.map((item) => ({ spec: parseEndpointSpec(item, chosen.from), from: chosen.from }))
}

/** Hosts an ORM sends when its user names none: Sequelize `localhost`, MikroORM `127.0.0.1`. */
const LOOPBACK_DEFAULTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

/**
 * The `host` option, unless it is an ORM's loopback default while DSQL endpoints are set in the
 * environment: DSQL has no endpoint on this machine, so such a host is a placeholder, not a choice.
 */
function hostOption(options: Readonly<Record<string, unknown>>, env: DsqlEnv): string | undefined {
  const host = stringOption(options, 'host')
  if (host === undefined || !LOOPBACK_DEFAULTS.has(host)) return host
  const endpointsSet = [env.DSQL_ENDPOINTS, env.DSQL_ENDPOINT].some(
    (value) => value !== undefined && value !== '',
  )
  return endpointsSet ? undefined : host
}

export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

export function settleEndpoint(
  spec: EndpointSpec,
  from: string,
  port: number,
  regionOption: Setting<string> | undefined,
  envRegion: Setting<string> | undefined,
): ResolvedEndpoint {
  let region: string
  if (spec.hostRegion !== undefined) {
    if (regionOption !== undefined && regionOption.value !== spec.hostRegion) {
      throw new DsqlConfigError(
        `${regionOption.from} is "${regionOption.value}", but the endpoint ${spec.host} from ${from} is in ` +
          `${spec.hostRegion}. Remove ${regionOption.from}: the Region comes from the endpoint host.`,
        { option: regionOption.from },
      )
    }
    region = spec.hostRegion
  } else {
    const chosen = regionOption ?? envRegion
    if (chosen === undefined) {
      const what =
        spec.clusterId !== undefined ? `the cluster id ${spec.clusterId}` : `the endpoint ${spec.host}`
      throw new DsqlConfigError(
        `No AWS Region for ${what} from ${from}. Set region (or AWS_REGION), or use the full endpoint ` +
          'host <cluster-id>.dsql.<region>.on.aws.',
        { option: 'region' },
      )
    }
    region = chosen.value
  }
  const host = spec.host ?? endpointHost(spec.clusterId as string, region)
  return { host, address: spec.address ?? host, port: spec.port ?? port, region }
}

export function rejectDuplicates(endpoints: readonly ResolvedEndpoint[]): void {
  const seen = new Set<string>()
  for (const { host } of endpoints) {
    if (seen.has(host)) {
      throw new DsqlConfigError(`The endpoint ${host} is listed twice. List each Region's endpoint once.`, {
        option: 'endpoints',
      })
    }
    seen.add(host)
  }
}

export function assertRegion(setting: Setting<string>): void {
  if (!REGION_NAME.test(setting.value)) {
    throw new DsqlConfigError(
      `${setting.from} is "${shown(setting.value)}", which is not an AWS Region name such as us-east-1.`,
      { option: setting.from },
    )
  }
}
