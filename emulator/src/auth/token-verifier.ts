import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/** The two IAM actions a DSQL token can carry. */
export const DSQL_ACTIONS = ['DbConnect', 'DbConnectAdmin'] as const
export type DsqlAction = (typeof DSQL_ACTIONS)[number]

/** An identity whose tokens the emulator accepts. */
export interface TokenPrincipal {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** Set for temporary credentials: the token must carry it as `X-Amz-Security-Token`. */
  readonly sessionToken?: string
  /** The principal's ARN, as `AWS IAM GRANT` names it. */
  readonly arn: string
}

export interface VerifyTokenInput {
  /** The password the client sent: `host/?Action=...&X-Amz-Signature=...`. */
  readonly token: string
  /** The endpoint host the token was presented to. */
  readonly endpointHost: string
  /** The Region of that endpoint. */
  readonly region: string
  /** The database user of the startup packet. */
  readonly user: string
  readonly nowMs: number
  /** How far the signing date may be ahead of now, or the expiry behind it. */
  readonly clockSkewSec: number
  /** Known principals by access key id. */
  readonly principals: ReadonlyMap<string, TokenPrincipal>
  /** The account named in the hint when the access key id is unknown. */
  readonly accountId: string
}

export type TokenVerdict =
  | { readonly ok: true; readonly action: DsqlAction; readonly principal: TokenPrincipal }
  /** `hint` is the HINT of the `08006` FATAL. `action` is set when the token named a valid one. */
  | { readonly ok: false; readonly hint: string; readonly action: DsqlAction | undefined }

/** The largest `X-Amz-Expires` SigV4 allows: one week. */
export const MAX_TOKEN_EXPIRES_SEC = 604_800

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
const REQUIRED = [
  'Action',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
] as const

/**
 * Verifies a DSQL IAM token as DSQL does: a SigV4 query-string presign of
 * `GET https://<host>/?Action=<action>` for service `dsql`, signed header `host`, with the
 * scheme removed. The query is parsed by name, so botocore's and the JS SDK's orders both
 * work. Written from the SigV4 specification with node:crypto only, independently of the AWS
 * signer, so tests that sign with `@aws-sdk/dsql-signer` prove the two agree. Pure.
 */
export function verifyDsqlToken(input: VerifyTokenInput): TokenVerdict {
  const parsed = parseToken(input.token)
  if (parsed === undefined) return deny(hintFor(input, undefined), undefined)
  const { host, params } = parsed
  const actionParam = params.get('Action')
  const action = DSQL_ACTIONS.find((a) => a === actionParam)
  const scope = (params.get('X-Amz-Credential') ?? '').split('/')
  const [accessKeyId = '', scopeDate = '', scopeRegion = '', service = '', terminator = ''] = scope
  const principal = input.principals.get(accessKeyId)
  const denied = deny(hintFor(input, principal?.arn ?? accessKeyId), action)
  if (
    action === undefined ||
    REQUIRED.some((name) => !params.has(name)) ||
    params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    params.get('X-Amz-SignedHeaders') !== 'host' ||
    scope.length !== 5 ||
    service !== 'dsql' ||
    terminator !== 'aws4_request' ||
    principal === undefined
  ) {
    return denied
  }
  const expiresText = params.get('X-Amz-Expires')!
  const expiresSec = /^\d{1,7}$/.test(expiresText) ? Number(expiresText) : Number.NaN
  if (!(expiresSec >= 1 && expiresSec <= MAX_TOKEN_EXPIRES_SEC)) {
    return deny('X-Amz-Expires must be less than a week (in seconds) that is 604800', action)
  }
  const amzDate = params.get('X-Amz-Date')!
  const signedAtMs = parseAmzDate(amzDate)
  if (signedAtMs === undefined || amzDate.slice(0, 8) !== scopeDate) return denied
  const expected = signature(principal.secretAccessKey, host, params, amzDate, scopeDate, scopeRegion)
  const given = params.get('X-Amz-Signature')!
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    return denied
  }
  if (params.get('X-Amz-Security-Token') !== principal.sessionToken) return denied
  const skewMs = input.clockSkewSec * 1000
  if (signedAtMs > input.nowMs + skewMs) {
    return deny(
      `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(input.nowMs + skewMs)}`,
      action,
    )
  }
  if (signedAtMs + expiresSec * 1000 + skewMs < input.nowMs) {
    return deny(
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(input.nowMs - expiresSec * 1000)}`,
      action,
    )
  }
  if (host.toLowerCase() !== input.endpointHost.toLowerCase() || scopeRegion !== input.region) return denied
  if ((input.user === 'admin') !== (action === 'DbConnectAdmin')) {
    return deny(`Wrong user to action mapping. user: ${input.user}, action: ${action}`, action)
  }
  return { ok: true, action, principal }
}

function deny(hint: string, action: DsqlAction | undefined): TokenVerdict {
  return { ok: false, hint, action }
}

function hintFor(input: VerifyTokenInput, arnOrKeyId: string | undefined): string {
  let arn: string
  if (arnOrKeyId?.startsWith('arn:')) arn = arnOrKeyId
  else {
    // Only an access-key-shaped id is echoed: the hint never repeats arbitrary client input.
    const keyId = arnOrKeyId !== undefined && /^[A-Z0-9]{16,128}$/.test(arnOrKeyId) ? arnOrKeyId : 'unknown'
    arn = `arn:aws:iam::${input.accountId}:user/${keyId}`
  }
  return `User: ${arn} is not authorized to access this resource`
}

function parseToken(token: string): { host: string; params: Map<string, string> } | undefined {
  const question = token.indexOf('?')
  if (question < 0) return undefined
  const slash = token.indexOf('/')
  if (slash <= 0 || slash !== question - 1) return undefined
  const params = new Map<string, string>()
  for (const pair of token.slice(question + 1).split('&')) {
    const equals = pair.indexOf('=')
    if (equals <= 0) return undefined
    let key: string
    let value: string
    try {
      key = decodeURIComponent(pair.slice(0, equals))
      value = decodeURIComponent(pair.slice(equals + 1))
    } catch {
      return undefined
    }
    if (params.has(key)) return undefined
    params.set(key, value)
  }
  return { host: token.slice(0, slash), params }
}

/** RFC 3986 encoding, as SigV4 canonical queries use it. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

function signature(
  secret: string,
  host: string,
  params: ReadonlyMap<string, string>,
  amzDate: string,
  scopeDate: string,
  region: string,
): string {
  const canonicalQuery = [...params]
    .filter(([key]) => key !== 'X-Amz-Signature')
    .map(([key, value]) => [escapeUri(key), escapeUri(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}\n`, 'host', EMPTY_SHA256].join('\n')
  const scope = `${scopeDate}/${region}/dsql/aws4_request`
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n')
  let key: Buffer = hmac(`AWS4${secret}`, scopeDate)
  for (const part of [region, 'dsql', 'aws4_request']) key = hmac(key, part)
  return hmac(key, stringToSign).toString('hex')
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

/** `20241107T173933Z` → epoch milliseconds; `undefined` when malformed. */
export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (m === null) return undefined
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
  return formatAmzDate(ms) === value ? ms : undefined
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}
