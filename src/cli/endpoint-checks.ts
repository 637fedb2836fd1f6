import { lookup } from 'node:dns/promises'
import { isIP, Socket } from 'node:net'
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls'
import type { ResolvedEndpoint } from '../config/index.js'

/** One step's result: how long it took, or why it failed. */
export interface StepResult {
  readonly ok: boolean
  readonly ms: number | undefined
  readonly detail: string
}

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])

/** Resolves the address TCP will go to; an IP address needs no lookup. */
export async function checkDns(
  endpoint: ResolvedEndpoint,
): Promise<{ result: StepResult; ip: string | undefined }> {
  if (isIP(endpoint.address) !== 0) {
    return { result: { ok: true, ms: undefined, detail: 'address is an IP' }, ip: endpoint.address }
  }
  const startedAt = performance.now()
  try {
    const { address } = await lookup(endpoint.address)
    return { result: { ok: true, ms: performance.now() - startedAt, detail: address }, ip: address }
  } catch (error) {
    return {
      result: { ok: false, ms: undefined, detail: `${endpoint.address}: ${codeOf(error)}` },
      ip: undefined,
    }
  }
}

/** Opens a TCP connection and reports how long the handshake took. */
export function checkTcp(
  ip: string,
  port: number,
  timeoutMs: number,
): Promise<{ result: StepResult; socket: Socket | undefined }> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const startedAt = performance.now()
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({
        result: { ok: false, ms: undefined, detail: `no answer from ${ip}:${port} within ${timeoutMs} ms` },
        socket: undefined,
      })
    }, timeoutMs)
    socket.once('error', (error) => {
      clearTimeout(timer)
      resolve({
        result: { ok: false, ms: undefined, detail: `${ip}:${port}: ${codeOf(error)}` },
        socket: undefined,
      })
    })
    socket.connect(port, ip, () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      resolve({ result: { ok: true, ms: performance.now() - startedAt, detail: `${ip}:${port}` }, socket })
    })
  })
}

/**
 * Negotiates TLS the way pg does (an SSLRequest first, or TLS straight away when direct) and
 * verifies the certificate against the endpoint host, as a DSQL connection would.
 */
export function checkTls(
  socket: Socket,
  endpoint: ResolvedEndpoint,
  ssl: Readonly<ConnectionOptions>,
  direct: boolean,
  timeoutMs: number,
): Promise<StepResult> {
  return new Promise((resolve) => {
    const startedAt = performance.now()
    const finish = (result: StepResult) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(
      () => finish({ ok: false, ms: undefined, detail: `no TLS answer within ${timeoutMs} ms` }),
      timeoutMs,
    )
    const upgrade = () => {
      const secure = tlsConnect({
        ...ssl,
        socket,
        servername: endpoint.host,
        ...(direct ? { ALPNProtocols: ['postgresql'] } : {}),
      })
      secure.once('secureConnect', () => {
        const protocol = secure.getProtocol() ?? 'TLS'
        secure.destroy()
        finish({ ok: true, ms: performance.now() - startedAt, detail: protocol })
      })
      secure.once('error', (error) =>
        finish({ ok: false, ms: undefined, detail: `${codeOf(error)}: ${error.message}` }),
      )
    }
    socket.once('error', (error) => finish({ ok: false, ms: undefined, detail: codeOf(error) }))
    if (direct) {
      upgrade()
      return
    }
    socket.once('data', (answer) => {
      if (answer[0] === 0x53) upgrade()
      else finish({ ok: false, ms: undefined, detail: 'the server refused TLS (SSLRequest answered N)' })
    })
    socket.write(SSL_REQUEST)
  })
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
}
