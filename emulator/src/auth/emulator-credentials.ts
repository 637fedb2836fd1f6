import { randomBytes, randomInt } from 'node:crypto'
import type { TokenPrincipal } from './token-verifier.js'

/** The account the emulator's principal belongs to. */
export const EMULATOR_ACCOUNT_ID = '000000000000'
/** The principal the emulator's credentials belong to, as `AWS IAM GRANT` names it. */
export const EMULATOR_PRINCIPAL_ARN = `arn:aws:iam::${EMULATOR_ACCOUNT_ID}:role/dsql-emulator`

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
const TEMPORARY_CREDENTIALS_MS = 12 * 3600_000

/** Long-term credentials; `secretAccessKey` is not enumerable. */
export interface IssuedCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly arn: string
  readonly accountId: string
}

/** Temporary credentials of the same principal; `secretAccessKey` and `sessionToken` are not enumerable. */
export interface IssuedTemporaryCredentials extends IssuedCredentials {
  readonly sessionToken: string
  readonly expiration: Date
}

/** A fresh emulator's credentials, and the principals whose tokens it accepts (by access key id). */
export interface EmulatorIdentity {
  readonly credentials: IssuedCredentials
  readonly temporaryCredentials: IssuedTemporaryCredentials
  readonly principals: ReadonlyMap<string, TokenPrincipal>
}

function randomKey(prefix: string): string {
  let out = prefix
  for (let i = 0; i < 16; i++) out += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)]
  return out
}

/** Credentials with the secret parts kept out of enumeration (and so out of logs and `util.inspect`). */
function withSecrets<T extends object>(visible: object, secrets: Record<string, string>): T {
  const credentials = { ...visible }
  for (const [name, value] of Object.entries(secrets)) {
    Object.defineProperty(credentials, name, { value, enumerable: false })
  }
  return Object.freeze(credentials) as T
}

/**
 * Makes a new random access key pair (`AKIA...`) and temporary credentials (`ASIA...` with a
 * session token, valid 12 hours from `nowMs`) for the emulator's one principal.
 */
export function issueEmulatorIdentity(nowMs: number): EmulatorIdentity {
  const principal = { arn: EMULATOR_PRINCIPAL_ARN, accountId: EMULATOR_ACCOUNT_ID }
  const credentials = withSecrets<IssuedCredentials>(
    { accessKeyId: randomKey('AKIA'), ...principal },
    { secretAccessKey: randomBytes(30).toString('base64') },
  )
  const temporaryCredentials = withSecrets<IssuedTemporaryCredentials>(
    { accessKeyId: randomKey('ASIA'), ...principal, expiration: new Date(nowMs + TEMPORARY_CREDENTIALS_MS) },
    {
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(180).toString('base64'),
    },
  )
  const principals = new Map<string, TokenPrincipal>([
    [
      credentials.accessKeyId,
      {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        arn: EMULATOR_PRINCIPAL_ARN,
      },
    ],
    [
      temporaryCredentials.accessKeyId,
      {
        accessKeyId: temporaryCredentials.accessKeyId,
        secretAccessKey: temporaryCredentials.secretAccessKey,
        sessionToken: temporaryCredentials.sessionToken,
        arn: EMULATOR_PRINCIPAL_ARN,
      },
    ],
  ])
  return { credentials, temporaryCredentials, principals }
}
