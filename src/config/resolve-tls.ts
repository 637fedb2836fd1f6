import { X509Certificate } from 'node:crypto'
import type { ConnectionOptions } from 'node:tls'
import { DsqlConfigError } from '../errors/index.js'
import { pickOptional, type Setting, shown } from './setting.js'

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const
type SslMode = (typeof SSL_MODES)[number]

export const SSL_NEGOTIATIONS = ['postgres', 'direct'] as const
export type SslNegotiation = (typeof SSL_NEGOTIATIONS)[number]

/** What TLS resolution needs to know. */
export interface TlsInput {
  /** pg's `ssl` option as the user gave it. */
  readonly ssl: unknown
  readonly urlSslMode: Setting<string> | undefined
  readonly urlRootCert: Setting<string> | undefined
  readonly envSslMode: string | undefined
  readonly envRootCert: string | undefined
  readonly sslnegotiation: Setting<string> | undefined
  /** Every address TCP will go to, to allow plaintext only on loopback. */
  readonly addresses: readonly string[]
  readonly readFile: (path: string) => string | Buffer
}

export interface ResolvedTls {
  /** What pg gets as `ssl`: false (plaintext, loopback only) or TLS options that verify unless told not to. */
  readonly ssl: false | Readonly<ConnectionOptions>
  readonly sslnegotiation: SslNegotiation | undefined
}

/**
 * DSQL requires TLS. Verification is on (verify-full, the host checked against the
 * certificate) unless the user sets `ssl: { rejectUnauthorized: false }` or `sslmode=no-verify`;
 * `sslmode=require` still verifies, unlike libpq, because a DSQL endpoint always has a valid
 * certificate and a silent downgrade is how credentials leak.
 */
export function resolveTls(input: TlsInput): ResolvedTls {
  const negotiation = resolveNegotiation(input.sslnegotiation)
  const userSsl = input.ssl
  const mode = pickOptional<string>([
    [userSsl === false ? 'disable' : undefined, 'ssl'],
    [input.urlSslMode?.value, input.urlSslMode?.from ?? 'connectionString'],
    [input.envSslMode, 'PGSSLMODE'],
  ])
  if (mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode.value)) {
    throw new DsqlConfigError(
      `${mode.from} is "${mode.value}", which is not an sslmode. Use verify-full (the default) or remove it.`,
      { option: mode.from },
    )
  }
  const sslMode = (mode?.value ?? 'verify-full') as SslMode

  if (sslMode === 'disable') {
    const remote = input.addresses.filter((address) => !isLoopback(address))
    if (remote.length > 0) {
      throw new DsqlConfigError(
        `${mode?.from} turns TLS off, but ${remote.join(', ')} is not a loopback address and DSQL ` +
          'rejects connections without TLS. Remove it; plaintext is only for a local emulator on 127.0.0.1.',
        { option: mode?.from ?? 'ssl' },
      )
    }
    if (negotiation === 'direct') {
      throw new DsqlConfigError(
        'sslnegotiation "direct" needs TLS, but TLS is turned off. Remove one of them.',
        {
          option: 'sslnegotiation',
        },
      )
    }
    return { ssl: false, sslnegotiation: negotiation }
  }

  const options: ConnectionOptions = userSsl !== null && typeof userSsl === 'object' ? { ...userSsl } : {}
  const explicitNoVerify = options.rejectUnauthorized === false || sslMode === 'no-verify'
  options.rejectUnauthorized = !explicitNoVerify
  if (options.ca === undefined) {
    const rootCert = pickOptional<string>([
      [input.urlRootCert?.value, input.urlRootCert?.from ?? 'connectionString'],
      [input.envRootCert, 'PGSSLROOTCERT'],
    ])
    // `system` is libpq's word for the platform's trust store, which Node uses by default.
    if (rootCert !== undefined && rootCert.value !== 'system') {
      options.ca = readRootCert(rootCert, input.readFile)
    }
  }
  return { ssl: options, sslnegotiation: negotiation }
}

function resolveNegotiation(setting: Setting<string> | undefined): SslNegotiation | undefined {
  if (setting === undefined) return undefined
  if (!(SSL_NEGOTIATIONS as readonly string[]).includes(setting.value)) {
    throw new DsqlConfigError(
      `${setting.from} is "${shown(setting.value)}"; it must be "postgres" or "direct". Remove it to use "postgres".`,
      { option: setting.from },
    )
  }
  return setting.value as SslNegotiation
}

function readRootCert(
  setting: Setting<string>,
  readFile: (path: string) => string | Buffer,
): string | Buffer {
  let pem: string | Buffer
  try {
    pem = readFile(setting.value)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new DsqlConfigError(
      `${setting.from} names the CA file "${shown(setting.value)}", which cannot be read` +
        `${typeof code === 'string' ? ` (${code})` : ''}. Point it at a PEM file, or remove it to trust the system CAs.`,
      { option: setting.from, cause: error },
    )
  }
  assertCertificates(pem, setting)
  return pem
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/**
 * A CA file that is not PEM certificates would fail every connect with a TLS error that names
 * neither the file nor the setting; say so at construction instead.
 */
function assertCertificates(pem: string | Buffer, setting: Setting<string>): void {
  const blocks = pem.toString().match(PEM_BLOCK) ?? []
  const unreadable = blocks.findIndex((block) => {
    try {
      new X509Certificate(block)
      return false
    } catch {
      return true
    }
  })
  if (blocks.length === 0 || unreadable !== -1) {
    const what =
      blocks.length === 0 ? 'no PEM certificate' : `an unreadable certificate (number ${unreadable + 1})`
    throw new DsqlConfigError(
      `${setting.from} names the CA file "${shown(setting.value)}", which holds ${what}. Point it at a PEM file of CA ` +
        'certificates (-----BEGIN CERTIFICATE-----), or remove it to trust the system CAs.',
      { option: setting.from },
    )
  }
}

/** True for addresses that never leave the machine. */
export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)
}
