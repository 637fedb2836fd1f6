import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { EmulatorOptionError } from '../emulator-error.js'
import type { EmulatorStats } from './emulator-stats.js'
import type { FaultSpec, InjectedFault } from './fault-plan.js'
import type { IsolationOptions } from './isolation.js'
import { guardRequest } from './request-guard.js'

/** The operations the control API exposes: the same as the emulator object's. */
export interface ControlOperations {
  /** Cuts a Region off (default `{ mode: 'refuse', existing: 'drop' }`) until `heal`. */
  isolate(region: string, options?: Partial<IsolationOptions>): void
  heal(region: string): void
  /** Sets a Region's client round-trip time, in milliseconds. */
  setLatency(region: string, ms: number): void
  /** Arms a fault; see `FaultSpec`. */
  inject(fault: FaultSpec): InjectedFault
  /** The faults still armed. */
  faults(): readonly InjectedFault[]
  clearFaults(): void
  /** Closes every session (of one Region, or all) at once; returns how many. */
  killConnections(options?: { region?: string }): number
  /**
   * Moves the emulator's clock by `sec` seconds from real time (token expiry, connection age).
   * Sessions past the age limit retire at once.
   */
  setClockOffset(sec: number): void
  stats(): EmulatorStats
}

const MAX_BODY_BYTES = 64 * 1024

class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `the request body is over ${MAX_BODY_BYTES} bytes`))
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('error', reject)
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim()
      if (text === '') return resolve(undefined)
      try {
        resolve(JSON.parse(text))
      } catch {
        reject(new HttpError(400, 'the request body is not valid JSON'))
      }
    })
  })
}

function field(body: unknown, name: string): unknown {
  return body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined
}

async function route(ops: ControlOperations, method: string, path: string, req: http.IncomingMessage) {
  const regionRoute = /^\/regions\/([^/]+)\/(isolate|heal|latency)$/.exec(path)
  const body = method === 'POST' || method === 'DELETE' ? await readBody(req) : undefined
  if (path === '/stats' && method === 'GET') return { status: 200, payload: ops.stats() }
  if (path === '/faults' && method === 'GET') return { status: 200, payload: { faults: ops.faults() } }
  if (path === '/faults' && method === 'POST')
    return { status: 201, payload: { fault: ops.inject(body as FaultSpec) } }
  if (path === '/faults' && method === 'DELETE') {
    ops.clearFaults()
    return { status: 200, payload: { ok: true } }
  }
  if (path === '/connections/kill' && method === 'POST') {
    return { status: 200, payload: { killed: ops.killConnections((body ?? {}) as { region?: string }) } }
  }
  if (path === '/clock' && method === 'POST') {
    ops.setClockOffset(field(body, 'offsetSec') as number)
    return { status: 200, payload: { ok: true } }
  }
  if (regionRoute !== null && method === 'POST') {
    const region = decodeURIComponent(regionRoute[1]!)
    if (regionRoute[2] === 'isolate') ops.isolate(region, (body ?? {}) as Partial<IsolationOptions>)
    else if (regionRoute[2] === 'heal') ops.heal(region)
    else ops.setLatency(region, field(body, 'latencyMs') as number)
    return { status: 200, payload: { ok: true } }
  }
  const known = regionRoute !== null || ['/stats', '/faults', '/connections/kill', '/clock'].includes(path)
  throw new HttpError(known ? 405 : 404, known ? `${method} is not allowed on ${path}` : `no route ${path}`)
}

/**
 * The control API: HTTP and JSON on a loopback port. Bad input gets 400 with
 * `{ error, option }`, naming the field at fault. A request from a web page (a foreign `Host` or
 * `Origin`, a body that is not JSON) gets 403 or 415 and changes nothing (see `guardRequest`).
 */
export async function startControlServer(
  ops: ControlOperations,
): Promise<{ url: string; close(): Promise<void> }> {
  let port = 0
  const server = http.createServer((req, res) => {
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(`${JSON.stringify(payload)}\n`)
    }
    const refusal = guardRequest(req.headers, port)
    if (refusal !== undefined) {
      // The body is not read: close the connection rather than drain it.
      res.setHeader('connection', 'close')
      return send(refusal.status, { error: refusal.error })
    }
    const path = new URL(req.url ?? '/', 'http://control').pathname
    route(ops, req.method ?? 'GET', path, req).then(
      ({ status, payload }) => send(status, payload),
      (error: unknown) => {
        if (error instanceof EmulatorOptionError) send(400, { error: error.message, option: error.option })
        else if (error instanceof HttpError) send(error.status, { error: error.message })
        else send(500, { error: error instanceof Error ? error.message : String(error) })
      },
    )
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
