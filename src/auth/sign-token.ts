import type { DsqlCredentials, TokenAction } from '../config/index.js'

/** What a token is signed for: the endpoint host, its Region and the IAM action. */
export interface TokenKey {
  readonly host: string
  readonly region: string
  readonly action: TokenAction
}

/** Signs one token. The default uses `@aws-sdk/dsql-signer`; tests may count calls around it. */
export type SignToken = (key: TokenKey, credentials: DsqlCredentials, expiresInSec: number) => Promise<string>

/**
 * Signs with AWS's own signer, given credentials already resolved: `DsqlSigner` ignores its
 * `profile` option, so pg-dsql resolves credentials itself and hands the signer an identity.
 */
export const signWithDsqlSigner: SignToken = async (key, credentials, expiresInSec) => {
  const { DsqlSigner } = await import('@aws-sdk/dsql-signer')
  const signer = new DsqlSigner({
    hostname: key.host,
    region: key.region,
    credentials,
    expiresIn: expiresInSec,
  })
  return key.action === 'DbConnectAdmin'
    ? signer.getDbConnectAdminAuthToken()
    : signer.getDbConnectAuthToken()
}
