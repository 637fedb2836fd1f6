import { Socket } from 'node:net'
import type { ResolvedEndpoint } from '../config/index.js'

/** The endpoint a client chose for its connection, set just before it connects. */
export interface ConnectTarget {
  endpoint: ResolvedEndpoint | undefined
  /** The token this connection presented, to invalidate it if the server refuses it. */
  token: string | undefined
}

/**
 * A socket that connects to the chosen endpoint's address whatever pg asks for. pg connects to
 * `client.host` and also uses it for TLS (servername and certificate check); pg-dsql sets that
 * to the endpoint host and lets this socket send TCP to the address of `host@address:port`
 * (the emulator, a PrivateLink endpoint, a tunnel), so the token and TLS both see the host.
 */
export class EndpointSocket extends Socket {
  readonly #target: ConnectTarget

  constructor(target: ConnectTarget) {
    super()
    this.#target = target
  }

  // pg calls connect(port, host); the address and port come from the chosen endpoint instead.
  override connect(...args: unknown[]): this {
    const endpoint = this.#target.endpoint
    if (endpoint === undefined) return super.connect(...(args as Parameters<Socket['connect']>))
    return super.connect({ port: endpoint.port, host: endpoint.address })
  }
}
