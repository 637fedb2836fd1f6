import type { DsqlCredentials, TokenAction } from '../config/index.js'

/** What a token is signed for: the endpoint host, its Region and the IAM action. */
export interface TokenKey {
  readonly host: string
  readonly region: string
  readonly action: TokenAction
}

/**
 * Signs one token. The default uses `@aws-sdk/dsql-signer`; tests may count calls around it.
 * `prepare`, when present, starts loading what signing needs, so it overlaps with resolving
 * credentials instead of following it.
 */
export type SignToken = ((
  key: TokenKey,
  credentials: DsqlCredentials,
  expiresInSec: number,
) => Promise<string>) & {
  prepare?: () => void
}

type SignerModule = typeof import('@aws-sdk/dsql-signer')
let signerModule: Promise<SignerModule> | undefined
// Loaded on first use, once: the signer and its SigV4 stack are heavy and the root entry stays light.
const loadSigner = (): Promise<SignerModule> => {
  signerModule ??= import('@aws-sdk/dsql-signer')
  return signerModule
}

/**
 * Signs with AWS's own signer, given credentials already resolved: `DsqlSigner` ignores its
 * `profile` option, so pg-dsql resolves credentials itself and hands the signer an identity.
 */
export const signWithDsqlSigner: SignToken = async (key, credentials, expiresInSec) => {
  const { DsqlSigner } = await loadSigner()
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

signWithDsqlSigner.prepare = () => {
  loadSigner().catch(() => {
    // The signing that follows loads it again and reports the failure.
    signerModule = undefined
  })
}
