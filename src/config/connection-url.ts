import { DsqlConfigError } from '../errors/index.js'

/** What a `postgres://` URL says, field by field; absent fields are undefined. */
export interface ConnectionUrl {
  readonly host: string | undefined
  readonly port: string | undefined
  readonly user: string | undefined
  readonly database: string | undefined
  /** Query parameters, decoded. pg-dsql reads the ones it knows; pg gets the rest. */
  readonly params: ReadonlyMap<string, string>
}

const EMPTY: ConnectionUrl = {
  host: undefined,
  port: undefined,
  user: undefined,
  database: undefined,
  params: new Map(),
}

/**
 * Parses a `postgres://` or `postgresql://` URL ourselves rather than through pg: pg's parser
 * sets `password: ''` when the URL has none, which would replace our token function. `from`
 * names the option or env var. Messages never quote the URL, which may hold a secret.
 */
export function parseConnectionUrl(text: string | undefined, from: string): ConnectionUrl {
  if (text === undefined || text.trim() === '') return EMPTY
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new DsqlConfigError(
      `${from} is not a valid URL. Use postgres://user@<endpoint host>:5432/postgres?sslmode=verify-full.`,
      { option: from },
    )
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DsqlConfigError(
      `${from} uses the scheme "${url.protocol}"; pg-dsql reads postgres:// or postgresql:// URLs.`,
      { option: from },
    )
  }
  if (url.password !== '') {
    throw new DsqlConfigError(
      `${from} contains a password. pg-dsql signs IAM tokens itself; remove the password from the URL.`,
      { option: from },
    )
  }
  const params = new Map<string, string>()
  for (const [key, value] of url.searchParams) {
    // pg would take it as the password and keep it in the options: refused like a userinfo password.
    if (key === 'password') {
      throw new DsqlConfigError(
        `${from} has a password parameter. pg-dsql signs IAM tokens itself; remove the password from the URL.`,
        { option: from },
      )
    }
    params.set(key, value)
  }
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part)
    } catch {
      throw new DsqlConfigError(
        `${from} is not a valid URL: it has a malformed %-escape. Escape "%" as %25.`,
        { option: from },
      )
    }
  }
  const database = decode(url.pathname.replace(/^\//, ''))
  return {
    host: url.hostname === '' ? undefined : decode(url.hostname),
    port: url.port === '' ? undefined : url.port,
    user: url.username === '' ? undefined : decode(url.username),
    database: database === '' ? undefined : database,
    params,
  }
}
