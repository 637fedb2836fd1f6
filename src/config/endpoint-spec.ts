import { isIP } from 'node:net'
import { DsqlConfigError } from '../errors/index.js'

/** One endpoint as written by the user, before Regions are settled. */
export interface EndpointSpec {
  /** The DSQL endpoint host the token is signed for and TLS verifies; undefined for a bare cluster id. */
  readonly host: string | undefined
  /** A bare 26-character cluster id, to be expanded with a Region. */
  readonly clusterId: string | undefined
  /** Where TCP goes when it is not the host itself. */
  readonly address: string | undefined
  readonly port: number | undefined
  /** The Region the host names, if it names one. */
  readonly hostRegion: string | undefined
}

const CLUSTER_ID = /^[a-z0-9]{26}$/
// `<id>.dsql.<region>.on.aws`, and stage variants such as `.dsql-gamma.`.
const DSQL_HOST_REGION = /\.dsql[^.]*\.([a-z0-9-]+)\.on\.aws$/
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/
export const REGION_NAME = /^[a-z]{2}(?:-[a-z]+)+-\d+$/

/** The Region an endpoint host names, as in `abc.dsql.us-east-1.on.aws`, or undefined. */
export function regionOfHost(host: string): string | undefined {
  return DSQL_HOST_REGION.exec(host)?.[1]
}

/** Expands a cluster id to its endpoint host. */
export function endpointHost(clusterId: string, region: string): string {
  return `${clusterId}.dsql.${region}.on.aws`
}

/**
 * Parses one endpoint: a cluster id, a host, or `host@address[:port]` (an IPv6 address goes in
 * brackets). `from` names where the text came from (the option or env var), for the message.
 */
export function parseEndpointSpec(text: string, from: string): EndpointSpec {
  const raw = text.trim()
  // A URL here may carry a password: never quote it.
  if (raw.includes('://')) {
    throw new DsqlConfigError(
      `${from} holds a URL, but it takes endpoints: a cluster id, an endpoint host or host@address:port. ` +
        'Put a postgres:// URL in DATABASE_URL or connectionString instead.',
      { option: from },
    )
  }
  const fail = (rule: string): never => {
    throw new DsqlConfigError(
      `${from} has a malformed endpoint "${raw}": ${rule}. Use a cluster id, an endpoint host ` +
        '(<cluster-id>.dsql.<region>.on.aws) or host@address:port.',
      { option: from },
    )
  }
  if (raw === '') fail('it is empty')
  const at = raw.indexOf('@')
  const hostPart = (at === -1 ? raw : raw.slice(0, at)).toLowerCase()
  const target = at === -1 ? undefined : parseAddress(raw.slice(at + 1), fail)

  if (!hostPart.includes('.')) {
    if (!CLUSTER_ID.test(hostPart)) {
      fail('a cluster id is exactly 26 lowercase letters and digits')
    }
    return { host: undefined, clusterId: hostPart, hostRegion: undefined, ...orNone(target) }
  }
  if (!HOST_NAME.test(hostPart) || IPV4.test(hostPart)) {
    fail('the part before "@" must be the DSQL endpoint host name, not an address')
  }
  return { host: hostPart, clusterId: undefined, hostRegion: regionOfHost(hostPart), ...orNone(target) }
}

function orNone(target: { address: string; port: number | undefined } | undefined) {
  return { address: target?.address, port: target?.port }
}

function parseAddress(
  text: string,
  fail: (rule: string) => never,
): { address: string; port: number | undefined } {
  let address: string
  let portText: string | undefined
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close === -1) fail('an IPv6 address needs a closing "]"')
    address = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) fail(`unexpected "${rest}" after the IPv6 address`)
    portText = rest === '' ? undefined : rest.slice(1)
  } else {
    const colon = text.lastIndexOf(':')
    if (colon !== -1 && text.indexOf(':') !== colon) fail('put an IPv6 address in brackets: host@[::1]:5432')
    address = colon === -1 ? text : text.slice(0, colon)
    portText = colon === -1 ? undefined : text.slice(colon + 1)
  }
  if (address === '') fail('the address after "@" is empty')
  if (!isAddress(address)) {
    fail(`"${address}" after "@" is not a host name or an IP address`)
  }
  return { address, port: portText === undefined ? undefined : parsePort(portText, fail) }
}

/** A host name, an IPv4 address, or an IPv6 address (brackets already removed). */
function isAddress(address: string): boolean {
  if (isIP(address) !== 0) return true
  return HOST_NAME.test(address.toLowerCase()) && !/^[\d.]+$/.test(address)
}

function parsePort(text: string, fail: (rule: string) => never): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port < 1 || port > 65_535)
    fail(`port "${text}" is not a whole number from 1 to 65535`)
  return port
}
