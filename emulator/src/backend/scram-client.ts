import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const pbkdf2Async = promisify(pbkdf2)

/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding, as
 * PostgreSQL's `scram-sha-256` authentication uses it. The emulator needs it to log in to a
 * backend that asks for SCRAM.
 */
export class ScramClient {
  readonly #password: string
  readonly #nonce: string
  readonly #user: string
  #expectedServerSignature: Buffer | undefined

  /** `user` goes into the messages; PostgreSQL ignores it (the startup packet names the user). */
  constructor(password: string, options: { nonce?: string; user?: string } = {}) {
    this.#password = password
    this.#nonce = options.nonce ?? randomBytes(18).toString('base64')
    this.#user = options.user ?? '*'
  }

  get firstMessage(): string {
    return `n,,${this.#bare}`
  }

  get #bare(): string {
    return `n=${this.#user},r=${this.#nonce}`
  }

  /** The client-final-message answering the server-first-message. */
  async finalMessage(serverFirst: string): Promise<string> {
    const attributes = parseAttributes(serverFirst)
    const nonce = attributes.get('r')
    const salt = attributes.get('s')
    const iterations = Number(attributes.get('i'))
    if (nonce === undefined || !nonce.startsWith(this.#nonce) || salt === undefined || !(iterations > 0)) {
      throw new Error('SCRAM: the server-first-message is malformed')
    }
    const salted = await pbkdf2Async(this.#password, Buffer.from(salt, 'base64'), iterations, 32, 'sha256')
    const clientKey = hmac(salted, 'Client Key')
    const storedKey = createHash('sha256').update(clientKey).digest()
    const withoutProof = `c=biws,r=${nonce}`
    const authMessage = `${this.#bare},${serverFirst},${withoutProof}`
    const clientSignature = hmac(storedKey, authMessage)
    const proof = Buffer.alloc(clientKey.length)
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!
    this.#expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage)
    return `${withoutProof},p=${proof.toString('base64')}`
  }

  /** Checks the server-final-message, proving the server knew the password too. */
  verifyFinal(serverFinal: string): void {
    const signature = parseAttributes(serverFinal).get('v')
    const expected = this.#expectedServerSignature
    const given = signature === undefined ? undefined : Buffer.from(signature, 'base64')
    if (
      expected === undefined ||
      given === undefined ||
      given.length !== expected.length ||
      !timingSafeEqual(given, expected)
    ) {
      throw new Error('SCRAM: the server signature does not match')
    }
  }
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>()
  for (const part of message.split(',')) {
    const equals = part.indexOf('=')
    if (equals > 0) attributes.set(part.slice(0, equals), part.slice(equals + 1))
  }
  return attributes
}
