import { DsqlConfigError } from '../errors/index.js'
import type { DsqlCredentials } from './dsql-options.js'
import type { DsqlEnv } from './resolve-config.js'
import type { CredentialsSource } from './resolved-config.js'
import { pickOptional, type Source, stringOption } from './setting.js'

export function resolveCredentials(
  options: Readonly<Record<string, unknown>>,
  urlProfile: Source<string>,
  env: DsqlEnv,
): CredentialsSource {
  const credentials = options.credentials
  const profileOption = pickOptional<string>([[stringOption(options, 'profile'), 'profile'], urlProfile])
  if (credentials !== undefined && credentials !== null) {
    if (profileOption !== undefined) {
      throw new DsqlConfigError(
        `credentials and ${profileOption.from} are both set, and they name different identities. Keep one of them.`,
        { option: 'credentials' },
      )
    }
    if (typeof credentials === 'function') {
      return { kind: 'provider', provider: credentials as () => Promise<DsqlCredentials> }
    }
    const identity = credentials as Partial<DsqlCredentials>
    if (
      typeof identity !== 'object' ||
      typeof identity.accessKeyId !== 'string' ||
      typeof identity.secretAccessKey !== 'string'
    ) {
      throw new DsqlConfigError(
        'credentials must be { accessKeyId, secretAccessKey, sessionToken? } or a function that resolves to it ' +
          '(any AWS SDK credential provider).',
        { option: 'credentials' },
      )
    }
    return { kind: 'identity', identity: identity as DsqlCredentials }
  }
  const profile = profileOption ?? pickOptional<string>([[env.AWS_PROFILE, 'AWS_PROFILE']])
  if (profile !== undefined) return { kind: 'profile', profile: profile.value, from: profile.from }
  // The SDK's default chain takes these first when no profile is named. Read here, the first
  // token is signed without loading the chain's modules (tens of milliseconds at cold start).
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env
  if (accessKeyId && secretAccessKey) {
    const expiration = env.AWS_CREDENTIAL_EXPIRATION?.trim()
    if (expiration && Number.isNaN(Date.parse(expiration))) {
      throw new DsqlConfigError(
        `AWS_CREDENTIAL_EXPIRATION is "${expiration}", which is not a date. Use an ISO 8601 time ` +
          '(2026-12-01T12:00:00Z) or remove it.',
        { option: 'AWS_CREDENTIAL_EXPIRATION' },
      )
    }
    return {
      kind: 'environment',
      identity: {
        accessKeyId,
        secretAccessKey,
        ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        ...(expiration ? { expiration: new Date(expiration) } : {}),
      },
    }
  }
  return { kind: 'default' }
}
