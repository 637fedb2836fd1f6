import { Socket } from 'node:net'
import type { ResolvedEndpoint } from '../config/index.js'

/** A probe's answer: the round trip, or why the endpoint did not answer. */
export type ProbeResult =
  | { readonly ok: true; readonly rttMs: number }
  | { readonly ok: false; readonly reason: string }

/** Probes one endpoint. The router takes any function of this shape; tests may pass their own. */
export type Probe = (endpoint: ResolvedEndpoint, timeoutMs: number) => Promise<ProbeResult>

export interface ProbeOptions {
  /**
   * Background probes (the router's) never hold the process open. A command that awaits a probe
   * as its work (`pg-dsql doctor`) needs it to: with nothing else pending, Node would end the
   * process mid-await.
   * @default true
   */
  readonly unref?: boolean
}

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])

/**
 * A light probe: a TCP connection and one SSLRequest round trip, then close. It costs the server
 * no TLS handshake, no token and no session, and measures one network round trip; an endpoint
 * that accepts TCP but never answers (a black hole) fails it by timing out.
 */
export const probeEndpoint = (
  endpoint: ResolvedEndpoint,
  timeoutMs: number,
  { unref = true }: ProbeOptions = {},
): Promise<ProbeResult> =>
  new Promise((resolve) => {
    const socket = new Socket()
    let sentAt = 0
    const finish = (result: ProbeResult) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => finish({ ok: false, reason: 'timed out' }), timeoutMs)
    if (unref) timer.unref()
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: error.code ?? 'failed' }),
    )
    socket.once('close', () => finish({ ok: false, reason: 'connection closed' }))
    socket.once('data', (answer: Buffer) => {
      const byte = answer[0]
      if (byte === 0x53 || byte === 0x4e) finish({ ok: true, rttMs: performance.now() - sentAt })
      else finish({ ok: false, reason: 'unexpected answer' })
    })
    socket.connect(endpoint.port, endpoint.address, () => {
      sentAt = performance.now()
      socket.write(SSL_REQUEST)
    })
    if (unref) socket.unref()
  })
