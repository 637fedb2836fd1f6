import { execFile } from 'node:child_process'
import http from 'node:http'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { connectClient, connectError } from '../support/dsql-client.js'
import { startTestEmulator } from '../support/emulator.js'

describe('emulator control API', () => {
  let emu: Emulator

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${emu.controlUrl}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            body: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
          }),
    })
    return { status: response.status, json: (await response.json()) as Record<string, unknown> }
  }

  beforeAll(async () => {
    emu = await startTestEmulator()
  })

  afterAll(async () => {
    await emu?.stop()
  })

  it('listens on loopback and serves the same stats as the API object', async () => {
    expect(emu.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(emu.env.DSQL_EMULATOR_CONTROL).toBe(emu.controlUrl)
    const { status, json } = await call('GET', '/stats')
    expect(status).toBe(200)
    expect(json).toEqual(JSON.parse(JSON.stringify(emu.stats())))
  })

  it('injects, lists and clears faults', async () => {
    const created = await call('POST', '/faults', {
      kind: 'server-unavailable',
      region: 'us-east-2',
      count: 2,
    })
    expect(created).toMatchObject({
      status: 201,
      json: { fault: { kind: 'server-unavailable', region: 'us-east-2', remaining: 2 } },
    })
    expect((await call('GET', '/faults')).json.faults).toHaveLength(1)
    const client = await connectClient(emu, { region: 'us-east-2' })
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: 'XX000' })
    expect((await call('DELETE', '/faults')).status).toBe(200)
    await client.query('SELECT 1')
    await client.end()
  })

  it('isolates and heals a Region and sets its latency', async () => {
    expect(
      (await call('POST', '/regions/us-east-2/isolate', { mode: 'refuse', existing: 'drop' })).status,
    ).toBe(200)
    expect(await connectError(emu, { region: 'us-east-2' })).toMatchObject({ code: 'ECONNRESET' })
    expect((await call('POST', '/regions/us-east-2/heal')).status).toBe(200)
    expect((await call('POST', '/regions/us-east-2/latency', { latencyMs: 50 })).status).toBe(200)
    const client = await connectClient(emu, { region: 'us-east-2' })
    const started = performance.now()
    await client.query('SELECT 1')
    expect(performance.now() - started).toBeGreaterThanOrEqual(49)
    await call('POST', '/regions/us-east-2/latency', { latencyMs: 0 })
    await client.end()
  })

  it('kills connections of one Region and moves the clock', async () => {
    const east1 = await connectClient(emu, { region: 'us-east-1' })
    const east2 = await connectClient(emu, { region: 'us-east-2' })
    expect(await call('POST', '/connections/kill', { region: 'us-east-1' })).toMatchObject({
      status: 200,
      json: { killed: 1 },
    })
    await expect(east1.query('SELECT 1')).rejects.toThrow()
    await east2.query('SELECT 1')
    expect((await call('POST', '/clock', { offsetSec: 7200 })).status).toBe(200)
    await expect.poll(() => emu.stats().cluster.ClusterConnectionCount).toBe(0)
    await call('POST', '/clock', { offsetSec: 0 })
    await east2.end().catch(() => undefined)
  })

  it.each([
    ['/faults', { kind: 'meteor' }, 'kind'],
    ['/faults', { kind: 'occ', probability: 2 }, 'probability'],
    ['/faults', { kind: 'occ', region: 'eu-west-1' }, 'region'],
    ['/regions/us-east-1/isolate', { mode: 'sideways' }, 'mode'],
    ['/regions/eu-west-1/heal', undefined, 'region'],
    ['/regions/us-east-1/latency', { latencyMs: -3 }, 'latencyMs'],
    ['/regions/us-east-1/latency', { ms: 3 }, 'latencyMs'],
    ['/clock', { offsetSec: 'soon' }, 'offsetSec'],
    ['/connections/kill', { region: 7 }, 'region'],
  ])('answers 400 naming the field for POST %s %j', async (path, body, option) => {
    const { status, json } = await call('POST', path, body)
    expect(status).toBe(400)
    expect(json).toMatchObject({ option, error: expect.stringContaining(option) })
  })

  it.each([
    ['POST', '/faults', '{not json', 400],
    ['GET', '/nope', undefined, 404],
    ['PUT', '/stats', undefined, 405],
  ])('answers %s %s %j with %i', async (method, path, body, status) => {
    expect((await call(method, path, body)).status).toBe(status)
  })

  /** A request with exactly these headers (fetch would not let a test set Host). */
  function raw(
    method: string,
    path: string,
    headers: Record<string, string>,
    body = '',
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const { port } = new URL(emu.controlUrl)
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => {
            text += chunk
          })
          response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(text) }))
        },
      )
      request.on('error', reject)
      request.end(body)
    })
  }

  const host = () => `127.0.0.1:${new URL(emu.controlUrl).port}`

  it('keeps the documented curl call working (POST /faults with Content-Type: application/json)', async () => {
    const { stdout } = await promisify(execFile)('curl', [
      '-sS',
      '-X',
      'POST',
      `${emu.controlUrl}/faults`,
      '-H',
      'content-type: application/json',
      '-d',
      '{"kind":"occ","count":3}',
    ])
    expect(JSON.parse(stdout)).toMatchObject({ fault: { kind: 'occ', remaining: 3 } })
    emu.clearFaults()
  })

  it.each([
    ['text/plain (a cross-site fetch or form)', { 'content-type': 'text/plain;charset=UTF-8' }],
    ['a form body', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no Content-Type at all', {}],
  ])('refuses a body sent as %s with 415 and arms nothing', async (_name, headers) => {
    const answer = await raw('POST', '/faults', { host: host(), ...headers }, '{"kind":"occ"}')
    expect(answer).toMatchObject({
      status: 415,
      json: { error: expect.stringContaining('application/json') },
    })
    expect(emu.faults()).toEqual([])
  })

  it('refuses an empty form POST that would kill every connection, and kills none', async () => {
    const client = await connectClient(emu)
    const answer = await raw('POST', '/connections/kill', {
      host: host(),
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(answer.status).toBe(415)
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await client.end()
  })

  it.each([
    ['a foreign page', 'https://evil.example'],
    ['a sandboxed page', 'null'],
    ['another local port', 'http://127.0.0.1:1'],
    ['a rebound name', 'http://rebound.example:80'],
  ])('refuses a request whose Origin is %s with 403, and changes nothing', async (_name, origin) => {
    const isolate = await raw(
      'POST',
      '/regions/us-east-2/isolate',
      { host: host(), origin, 'content-type': 'application/json' },
      '{"mode":"refuse"}',
    )
    expect(isolate).toMatchObject({ status: 403, json: { error: expect.stringContaining('another origin') } })
    expect((await raw('GET', '/stats', { host: host(), origin })).status).toBe(403)
    const client = await connectClient(emu, { region: 'us-east-2' })
    await client.end()
  })

  it('serves a request whose Origin is its own', async () => {
    const answer = await raw('GET', '/faults', { host: host(), origin: emu.controlUrl })
    expect(answer).toEqual({ status: 200, json: { faults: [] } })
  })

  it.each([
    ['a rebound name', (port: string) => `rebound.example:${port}`],
    ['the right name on another port', () => '127.0.0.1:1'],
    ['no port', () => '127.0.0.1'],
    ["the machine's own name", (port: string) => `0.0.0.0:${port}`],
  ])('refuses Host %s with 403', async (_name, hostOf) => {
    const answer = await raw('GET', '/stats', { host: hostOf(new URL(emu.controlUrl).port) })
    expect(answer).toMatchObject({
      status: 403,
      json: { error: expect.stringContaining('answers only to Host') },
    })
  })

  it.each(['localhost', 'LOCALHOST', '[::1]', '127.0.0.1'])('serves Host %s with its port', async (name) => {
    const answer = await raw('GET', '/faults', { host: `${name}:${new URL(emu.controlUrl).port}` })
    expect(answer.status).toBe(200)
  })
})
