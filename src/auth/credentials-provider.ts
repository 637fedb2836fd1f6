import type { CredentialsSource, DsqlCredentials, DsqlCredentialsProvider } from '../config/index.js'
import { DsqlCredentialsError } from '../errors/index.js'

/** Loads the AWS SDK's node provider chain; tests pass their own. */
export type ChainLoader = (init: { profile?: string }) => Promise<DsqlCredentialsProvider>

/** Credentials this close to expiry are fetched again, as the AWS SDK does. */
export const CREDENTIALS_REFRESH_MARGIN_MS = 5 * 60_000
/** After a failure, the source is not asked again for this long: callers get the same error. */
export const FAILURE_HOLD_MS = 1_000

const loadNodeChain: ChainLoader = async (init) => {
  // Loaded on first use: the provider chain is heavy and the root entry stays light.
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers')
  return fromNodeProviderChain(init)
}

/**
 * One memoized credential provider for a credentials setting. Every token signed through it
 * shares one cached identity, fetched again only when it nears its own expiration, with one
 * fetch in flight at a time. Failures become a `DsqlCredentialsError` naming the source.
 */
export function createCredentialsProvider(
  source: CredentialsSource,
  { loadChain = loadNodeChain, now = Date.now }: { loadChain?: ChainLoader; now?: () => number } = {},
): DsqlCredentialsProvider {
  if (source.kind === 'identity' || source.kind === 'environment') {
    const identity = source.identity
    return () => Promise.resolve(identity)
  }
  const description = describeSource(source)
  let inner: Promise<DsqlCredentialsProvider> | undefined
  const resolveInner = (): Promise<DsqlCredentialsProvider> => {
    if (source.kind === 'provider') return Promise.resolve(source.provider)
    inner ??= loadChain(source.kind === 'profile' ? { profile: source.profile } : {})
    return inner
  }

  let cached: DsqlCredentials | undefined
  let inflight: Promise<DsqlCredentials> | undefined
  let failed: { readonly at: number; readonly error: DsqlCredentialsError } | undefined
  const isFresh = (identity: DsqlCredentials): boolean =>
    identity.expiration === undefined || identity.expiration.getTime() - CREDENTIALS_REFRESH_MARGIN_MS > now()

  return () => {
    if (cached !== undefined && isFresh(cached)) return Promise.resolve(cached)
    // A source that just failed is not asked again at once: every connect would ask it (IMDS,
    // SSO, a process), as fast as the app calls. It fails the same way for a moment, then is
    // asked again, so a passing failure recovers.
    if (failed !== undefined && now() - failed.at < FAILURE_HOLD_MS) return Promise.reject(failed.error)
    inflight ??= resolveInner()
      .then((provider) => provider())
      .then(
        (identity) => {
          assertIdentity(identity, description)
          cached = identity
          failed = undefined
          return identity
        },
        (error: unknown) => {
          const failure =
            error instanceof DsqlCredentialsError
              ? error
              : new DsqlCredentialsError(
                  `Could not resolve AWS credentials from ${description}: ${safeMessage(error)}. ` +
                    'Check that source, or pass credentials or profile.',
                  { source: description, cause: redacted(error) },
                )
          failed = { at: now(), error: failure }
          throw failure
        },
      )
      .finally(() => {
        inflight = undefined
      })
    return inflight
  }
}

function describeSource(source: CredentialsSource): string {
  switch (source.kind) {
    case 'identity':
      return 'the credentials option'
    case 'environment':
      return 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'
    case 'provider':
      return 'the credentials provider function'
    case 'profile':
      return `profile "${source.profile}" (from ${source.from})`
    case 'default':
      return 'the AWS SDK default chain (env, SSO, shared files, process, web identity, container, IMDS)'
  }
}

function assertIdentity(identity: unknown, description: string): asserts identity is DsqlCredentials {
  const candidate = identity as Partial<DsqlCredentials> | undefined
  if (typeof candidate?.accessKeyId !== 'string' || typeof candidate.secretAccessKey !== 'string') {
    throw new DsqlCredentialsError(
      `${description} returned something that is not AWS credentials (no accessKeyId and secretAccessKey).`,
      { source: description },
    )
  }
}

/**
 * The provider's error as `cause`, without what it may hold: its name, code and a redacted first
 * line, and nothing it wraps. A provider may put a secret in its own message or in a cause of its
 * own, and `util.inspect` prints the whole chain.
 */
function redacted(error: unknown): Error {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown }
  const copy = new Error(safeMessage(error))
  copy.name = typeof name === 'string' ? name : 'Error'
  if (typeof code === 'string') Object.assign(copy, { code })
  return copy
}

/**
 * AWS SDK credential errors say which provider failed without quoting secrets; keep their first
 * line only, and drop anything that looks like a key or a signed URL, to be sure.
 */
function safeMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const firstLine = text.split('\n')[0] ?? ''
  return firstLine
    .replace(/X-Amz-[A-Za-z-]+=[^&\s]+/g, 'X-Amz-…=[redacted]')
    .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, '[redacted key id]')
    .replace(/[A-Za-z0-9/+]{40,}/g, '[redacted]')
    .slice(0, 300)
}
