import { readFileSync } from 'node:fs'
import tls from 'node:tls'
import type { Emulator } from '../../src/index.js'
import { sync } from '../../src/wire/frontend-messages.js'

// Raw protocol helpers for tests that must send exactly the bytes they mean (pipelines,
// protocol versions, broken input), which pg would never send.

export async function directTls(emu: Emulator): Promise<tls.TLSSocket> {
  const endpoint = emu.endpoints[0]!
  const socket = tls.connect({
    host: endpoint.address,
    port: endpoint.port,
    servername: endpoint.host,
    ca: readFileSync(emu.caCertPath, 'utf8'),
    ALPNProtocols: ['postgresql'],
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve)
    socket.once('error', reject)
  })
  return socket
}

/** Writes bytes and reads until `enough` says the reply is complete. */
export function roundTrip(
  socket: tls.TLSSocket,
  bytes: Buffer,
  enough: (reply: Buffer) => boolean,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let reply = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk])
      if (enough(reply)) {
        socket.off('data', onData)
        resolve(reply)
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
    socket.write(bytes)
  })
}

export function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5)
  header.write(type, 0, 'latin1')
  header.writeUInt32BE(4 + body.length, 1)
  return Buffer.concat([header, body])
}

/** Parse, Bind, Describe (portal), Execute and Sync of one unnamed statement. */
export function extended(sql: string): Buffer {
  return Buffer.concat([
    message('P', Buffer.concat([Buffer.from(`\0${sql}\0`), Buffer.alloc(2)])),
    message('B', Buffer.alloc(8)),
    message('D', Buffer.from('P\0')),
    message('E', Buffer.alloc(5)),
    sync(),
  ])
}

export function frames(bytes: Buffer): [number, Buffer][] {
  const out: [number, Buffer][] = []
  for (let offset = 0; offset + 5 <= bytes.length; ) {
    const length = bytes.readUInt32BE(offset + 1)
    out.push([bytes[offset]!, bytes.subarray(offset + 5, offset + 1 + length)])
    offset += 1 + length
  }
  return out
}

export function count(bytes: Buffer, type: number): number {
  return frames(bytes).filter(([t]) => t === type).length
}
