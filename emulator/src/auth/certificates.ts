import { randomBytes, webcrypto } from 'node:crypto'

/** The PEM files a TLS server needs, plus the CA that clients trust. */
export interface Certificates {
  readonly caPem: string
  readonly certPem: string
  readonly keyPem: string
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const DAY_MS = 86_400_000

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64')
  return `-----BEGIN ${label}-----\n${base64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`
}

function serial(): string {
  // A positive serial: clear the top bit.
  const bytes = randomBytes(16)
  bytes[0] = bytes[0]! & 0x7f
  return bytes.toString('hex')
}

/**
 * Makes a fresh CA and one server certificate, signed by it, whose SAN lists every endpoint
 * host, so a client can use `sslmode=verify-full` with the CA as its root. ECDSA P-256 keeps
 * this to a few milliseconds.
 */
export async function createCertificates(hosts: readonly string[], nowMs: number): Promise<Certificates> {
  // @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata
  // polyfill loaded first. Both load only when an emulator starts.
  await import('reflect-metadata')
  const x509 = await import('@peculiar/x509')
  // Node's WebCrypto is the standard one, but its TypeScript types are declared apart from
  // the DOM's Crypto that @peculiar/x509 names.
  x509.cryptoProvider.set(webcrypto as never)
  const crypto = webcrypto
  const notBefore = new Date(nowMs - DAY_MS)
  const notAfter = new Date(nowMs + 365 * DAY_MS)
  const caKeys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const caName = 'CN=pg-dsql emulator CA, O=pg-dsql'
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: caName,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${hosts[0] ?? 'localhost'}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(hosts.map((value) => ({ type: 'dns' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const keyDer = await crypto.subtle.exportKey('pkcs8', keys.privateKey)
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem: pem('PRIVATE KEY', keyDer) }
}
