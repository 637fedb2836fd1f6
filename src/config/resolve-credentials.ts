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
  return { kind: 'default' }
}
