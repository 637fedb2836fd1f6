import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../src/index.js'
import { sslRequest } from '../../src/wire/frontend-messages.js'
import { startTestEmulator } from '../support/emulator.js'
import { directTls } from '../support/raw-wire.js'

const LATENCY_MS = 150

/** A routing probe's measure: TCP connect, one SSLRequest, until the `S` arrives. */
function sslRequestRoundTripMs(emu: Emulator): Promise<{ answer: string; ms: number }> {
  const endpoint = emu.endpoints[0]!
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: endpoint.address, port: endpoint.port }, () =>
      socket.write(sslRequest()),
    )
    socket.once('data', (data) => {
      socket.destroy()
      resolve({ answer: data.toString('latin1'), ms: performance.now() - started })
    })
    socket.once('error', reject)
  })
}

describe("emulator handshake pays the Region's latency", () => {
  let emu: Emulator

  beforeAll(async () => {
    emu = await startTestEmulator({ regions: ['us-east-1'] })
  })

  afterAll(async () => {
    await emu?.stop()
  })

  it('answers an SSLRequest after one round trip of latency', async () => {
    emu.setLatency('us-east-1', LATENCY_MS)
    const { answer, ms } = await sslRequestRoundTripMs(emu)
    expect(answer).toBe('S')
    expect(ms).toBeGreaterThanOrEqual(LATENCY_MS)
  })

  it("sends a direct TLS handshake's first server flight after one round trip of latency", async () => {
    emu.setLatency('us-east-1', LATENCY_MS)
    const started = performance.now()
    const socket = await directTls(emu)
    expect(performance.now() - started).toBeGreaterThanOrEqual(LATENCY_MS)
    socket.destroy()
  })
})
